import { isPublicHost, loadConfig } from './config';

const base = { REDIS_URL: 'redis://127.0.0.1:6379' };

describe('gateway config', () => {
  it('dev mode (no JWT_SECRET) listens on this machine only unless HOST says otherwise', () => {
    expect(loadConfig({ ...base }).HOST).toBe('127.0.0.1');
    expect(loadConfig({ ...base, HOST: '' }).HOST).toBe('127.0.0.1');
    expect(loadConfig({ ...base, HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
  });

  it('with a secret it listens on every interface by default', () => {
    expect(loadConfig({ ...base, JWT_SECRET: 'a-real-secret-of-length' }).HOST).toBe('0.0.0.0');
    expect(loadConfig({ ...base, JWT_SECRET: 'a-real-secret-of-length', NODE_ENV: 'production' }).HOST).toBe('0.0.0.0');
  });

  it('tells loopback addresses from public ones', () => {
    expect(['127.0.0.1', '127.0.1.1', '::1', 'localhost'].map(isPublicHost)).toEqual([false, false, false, false]);
    expect(['0.0.0.0', '::', '10.0.0.5'].map(isPublicHost)).toEqual([true, true, true]);
  });

  it('takes an AUDIT_KEY of 16 characters or more, and says so of a shorter one', () => {
    expect(loadConfig({ ...base, AUDIT_KEY: 'k'.repeat(16) }).AUDIT_KEY).toBe('k'.repeat(16));
    expect(loadConfig({ ...base, AUDIT_KEY: '' }).AUDIT_KEY).toBeUndefined();
    expect(() => loadConfig({ ...base, AUDIT_KEY: 'short' })).toThrow(/AUDIT_KEY.*16 characters/);
  });
});
