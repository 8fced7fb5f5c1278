import { z } from 'zod';
import { envInt, envString, loadEnv, sharedEnv } from '@wfa/runtime';

/** Well-known secret used only in dev mode (no JWT_SECRET, NODE_ENV not production). */
export const DEV_JWT_SECRET = 'dev-only-insecure-secret-change-me';
export const DEV_USER_ID = 'demo-user';

const GatewayEnvSchema = z.object({
  ...sharedEnv(),
  PORT: envInt(3000, 0, 65535),
  HOST: z.preprocess((v) => (v === '' || v === undefined ? '0.0.0.0' : v), z.string()),
  JWT_SECRET: envString().pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  ADMIN_ROLE: z.preprocess((v) => (v === '' || v === undefined ? 'admin' : v), z.string()),
  MAX_MESSAGE_BYTES: envInt(64 * 1024, 1024, 16 * 1024 * 1024),
  RATE_LIMIT_PER_SECOND: envInt(20, 1, 100_000),
  RATE_LIMIT_BURST: envInt(40, 1, 100_000),
  MAX_STEPS_PER_WORKFLOW: envInt(50, 1, 500),
  MAX_WORKFLOWS_PER_USER: envInt(20, 1, 100_000),
  MAX_DEPENDENCY_DEPTH: envInt(10, 1, 100),
  CONSOLE_DIR: envString(),
});

export type GatewayConfig = Omit<z.infer<typeof GatewayEnvSchema>, 'JWT_SECRET'> & {
  JWT_SECRET: string;
  devMode: boolean;
};

/** SPEC §3: validated at start; without JWT_SECRET, dev mode outside production, refusal in production. */
export function loadConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const parsed = loadEnv(GatewayEnvSchema, env, 'gateway');
  if (!parsed.JWT_SECRET && parsed.NODE_ENV === 'production') {
    throw new Error('gateway: JWT_SECRET is required when NODE_ENV=production (refusing to start)');
  }
  return {
    ...parsed,
    JWT_SECRET: parsed.JWT_SECRET ?? DEV_JWT_SECRET,
    devMode: !parsed.JWT_SECRET,
  };
}
