# One image for both apps; docker-compose picks the command. Sources run with tsx (the project's
# single way of consuming its internal TypeScript packages); the console is built at image build.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production TURBO_TELEMETRY_DISABLED=1
COPY package.json package-lock.json turbo.json tsconfig.base.json jest.preset.js ./
COPY apps ./apps
COPY packages ./packages
COPY test/package.json ./test/package.json
COPY scripts ./scripts
RUN npm ci --include=dev --no-audit --no-fund && npx turbo run build
EXPOSE 3000
CMD ["node", "--import", "tsx", "apps/gateway/src/main.ts"]
