import { z } from 'zod';
import { envInt, envString, loadEnv, sharedEnv } from '@wfa/runtime';

/** Well-known secret used only in dev mode (no JWT_SECRET, NODE_ENV not production). */
export const DEV_JWT_SECRET = 'dev-only-insecure-secret-change-me';
export const DEV_USER_ID = 'demo-user';

const GatewayEnvSchema = z.object({
  ...sharedEnv(),
  PORT: envInt(3000, 0, 65535),
  HOST: envString(),
  JWT_SECRET: envString().pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  ADMIN_ROLE: z.preprocess((v) => (v === '' || v === undefined ? 'admin' : v), z.string()),
  MAX_MESSAGE_BYTES: envInt(64 * 1024, 1024, 16 * 1024 * 1024),
  RATE_LIMIT_PER_SECOND: envInt(20, 1, 100_000),
  RATE_LIMIT_BURST: envInt(40, 1, 100_000),
  MAX_STEPS_PER_WORKFLOW: envInt(50, 1, 500),
  MAX_WORKFLOWS_PER_USER: envInt(20, 1, 100_000),
  MAX_DEPENDENCY_DEPTH: envInt(10, 1, 100),
  CONSOLE_DIR: envString(),
  /** Proxies in front of the gateway that append to X-Forwarded-For (0: trust none; the audit records the socket's peer). */
  TRUST_PROXY_HOPS: envInt(0, 0, 10),
});

export type GatewayConfig = Omit<z.infer<typeof GatewayEnvSchema>, 'JWT_SECRET' | 'HOST'> & {
  JWT_SECRET: string;
  HOST: string;
  devMode: boolean;
};

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Whether a bind address is reachable from other machines. */
export function isPublicHost(host: string): boolean {
  return !LOOPBACK.has(host) && !host.startsWith('127.');
}

/** SPEC §3: validated at start; without JWT_SECRET, dev mode outside production, refusal in production. */
export function loadConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const parsed = loadEnv(GatewayEnvSchema, env, 'gateway');
  if (!parsed.JWT_SECRET && parsed.NODE_ENV === 'production') {
    throw new Error('gateway: JWT_SECRET is required when NODE_ENV=production (refusing to start)');
  }
  const devMode = !parsed.JWT_SECRET;
  return {
    ...parsed,
    JWT_SECRET: parsed.JWT_SECRET ?? DEV_JWT_SECRET,
    // Dev mode signs with a well-known secret and hands out the demo user's token on /config.json:
    // by default only this machine can reach it. A HOST set on purpose is honoured (with a warning).
    HOST: parsed.HOST ?? (devMode ? '127.0.0.1' : '0.0.0.0'),
    devMode,
  };
}
