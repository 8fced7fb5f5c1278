import { defineConfig } from 'vite';

// The gateway serves dist/ at `/`; in `vite dev`, socket.io and /config.json are proxied to a local gateway.
export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1000 },
  server: {
    proxy: {
      '/socket.io': { target: 'http://127.0.0.1:3000', ws: true },
      '/config.json': 'http://127.0.0.1:3000',
    },
  },
});
