import { z } from 'zod';
import { ConfigError, auditKeyWarning, envInt, loadEnv, sharedEnv } from './env';

const schema = z.object({ ...sharedEnv(), CONCURRENCY: envInt(10, 1, 1000) });

describe('environment parsing', () => {
  it('fills defaults for what is unset or empty', () => {
    const c = loadEnv(schema, { REDIS_URL: '', CONCURRENCY: '' }, 'app');
    expect(c).toEqual({
      NODE_ENV: 'development',
      REDIS_URL: 'redis://127.0.0.1:6379',
      KEY_PREFIX: '',
      LOG_LEVEL: 'info',
      STEP_ATTEMPTS: 3,
      STEP_BACKOFF_MS: 1000,
      CONCURRENCY: 10,
    });
  });

  it('keeps valid values', () => {
    const c = loadEnv(schema, { REDIS_URL: 'rediss://cache:6380/2', KEY_PREFIX: 'prod:', STEP_ATTEMPTS: '5', NODE_ENV: 'production' }, 'app');
    expect(c).toMatchObject({ REDIS_URL: 'rediss://cache:6380/2', KEY_PREFIX: 'prod:', STEP_ATTEMPTS: 5, NODE_ENV: 'production' });
  });

  it('names every bad variable in one error', () => {
    let err: unknown;
    try {
      loadEnv(schema, { REDIS_URL: 'http://x', KEY_PREFIX: 'has space', CONCURRENCY: '0', LOG_LEVEL: 'loud' }, 'worker');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^worker: invalid configuration/);
    for (const name of ['REDIS_URL', 'KEY_PREFIX', 'CONCURRENCY', 'LOG_LEVEL']) expect(msg).toContain(`  ${name}: `);
  });

  it('takes numbers in decimal digits only: no hex, no exponent, no spaces', () => {
    for (const bad of ['0x10', '1e1', ' 12', '12 ', '3.5', '-1', '+5', 'abc', '10abc']) {
      expect(() => loadEnv(schema, { CONCURRENCY: bad }, 'worker')).toThrow(/CONCURRENCY: must be a whole number in decimal digits/);
    }
    expect(() => loadEnv(schema, { CONCURRENCY: '0' }, 'worker')).toThrow(/CONCURRENCY: /);
    expect(loadEnv(schema, { CONCURRENCY: '012' }, 'worker').CONCURRENCY).toBe(12);
  });
});

test('an unset AUDIT_KEY is said out loud in production only', () => {
  expect(auditKeyWarning({ NODE_ENV: 'production' })).toMatch(/AUDIT_KEY is not set/);
  expect(auditKeyWarning({ NODE_ENV: 'production', AUDIT_KEY: 'k'.repeat(16) })).toBeUndefined();
  expect(auditKeyWarning({ NODE_ENV: 'development' })).toBeUndefined();
});
