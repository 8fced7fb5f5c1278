import { z } from 'zod';

/**
 * Parse process.env with a zod schema; on failure, print one clear line per bad variable and
 * exit (configuration errors are the operator's to fix, not a stack trace to read).
 */
export function loadEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, app: string): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new ConfigError(`${app}: invalid configuration\n${lines.join('\n')}`);
}

export class ConfigError extends Error {
  readonly code = 'config_error';
}

/** A service's configuration, or its one-line-per-problem explanation on stderr and exit code 2. */
export function configOrExit<C>(load: () => C): C {
  try {
    return load();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}

/** Common schema pieces. Empty strings count as unset. */
export const envString = () => z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
/**
 * A whole number written in decimal digits. `Number()` alone would also take "0x10", "1e3" or
 * " 3209" (so PORT=0x10 listened on port 16); those are refused with a clear message.
 */
export const envInt = (def: number, min: number, max: number) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? String(def) : v),
    z
      .string()
      .regex(/^\d{1,15}$/, `must be a whole number in decimal digits (${min}-${max})`)
      .transform(Number)
      .pipe(z.number().int().min(min).max(max)),
  );
export const envRedisUrl = () =>
  z.preprocess((v) => (v === '' || v === undefined ? 'redis://127.0.0.1:6379' : v), z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'));
export const envLogLevel = () =>
  z.preprocess((v) => (v === '' || v === undefined ? 'info' : v), z.enum(['error', 'warn', 'info', 'debug']));
/**
 * What the gateway and the worker must agree on, parsed the same way in both: where Redis is, the
 * key prefix (both must use the same one to see the same workflows) and the step retry policy
 * (the gateway enqueues a workflow's first steps, the worker the rest).
 */
export const sharedEnv = () => ({
  NODE_ENV: envNodeEnv(),
  REDIS_URL: envRedisUrl(),
  KEY_PREFIX: z.preprocess((v) => v ?? '', z.string().regex(/^[A-Za-z0-9:_-]*$/, 'letters, digits, : _ - only')),
  LOG_LEVEL: envLogLevel(),
  STEP_ATTEMPTS: envInt(3, 1, 20),
  STEP_BACKOFF_MS: envInt(1000, 10, 600_000),
  /** SPEC §6.11: key of the audit log's HMAC chain; unset, the chain is plain SHA-256. */
  AUDIT_KEY: envString().pipe(z.string().min(16, 'must be at least 16 characters').optional()),
});
export const envNodeEnv = () =>
  z.preprocess((v) => (v === '' || v === undefined ? 'development' : v), z.enum(['development', 'production', 'test']));

/**
 * In production an unset AUDIT_KEY is allowed (an existing deployment keeps starting) but said
 * out loud: the audit log is then a plain hash chain that someone with Redis access could rebuild.
 * Gateways and workers must share the key; one without it writes entries the others refuse.
 */
export function auditKeyWarning(env: { NODE_ENV: string; AUDIT_KEY?: string }): string | undefined {
  if (env.NODE_ENV !== 'production' || env.AUDIT_KEY) return undefined;
  return 'AUDIT_KEY is not set: the audit log is a plain SHA-256 chain; set the same AUDIT_KEY on every gateway and worker to seal it';
}
