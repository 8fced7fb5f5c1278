import type { Actor } from './api';
import { expireDraft } from './timers';
import { toStatusPayload, toSummary, toDraftPayload } from './views';
import { DRAFT_RETENTION_MS, EXPIRY_GRACE_MS, FINISHED_RETENTION_MS, keysExpireAt, visibleExpiresAt } from './retention';
import { T0, approveAll, build, runStep, JOHN } from './test-helpers';

const SYSTEM: Actor = { userId: 'system', roles: [], kind: 'system' };
const HOUR = 3600_000;

describe('when a workflow expires', () => {
  it('a draft shows the end of its approval window; its keys outlive it by the grace period', () => {
    const d = build(undefined, { draftTtlMs: 3 * HOUR }).draft;
    expect(visibleExpiresAt(d)).toBe(T0 + 3 * HOUR);
    expect(toSummary(d).expiresAt).toBe(T0 + 3 * HOUR);
    expect(toStatusPayload(d).expiresAt).toBe(T0 + 3 * HOUR);
    expect(toDraftPayload(d).expiresAt).toBe(T0 + 3 * HOUR);
    expect(keysExpireAt(d, T0)).toBe(T0 + 3 * HOUR + EXPIRY_GRACE_MS);
    // A short window: the keys still live the draft's 2 h.
    const short = build(undefined, { draftTtlMs: 60_000 }).draft;
    expect(visibleExpiresAt(short)).toBe(T0 + 60_000);
    expect(keysExpireAt(short, T0)).toBe(T0 + DRAFT_RETENTION_MS);
  });

  it('a running workflow shows when its records go: 24 h after its last change, moving with each change', () => {
    const d = build().draft;
    const running = approveAll(d, T0 + 5 * 60_000).draft;
    expect(running.state).toBe('running');
    expect(visibleExpiresAt(running)).toBe(T0 + 5 * 60_000 + FINISHED_RETENTION_MS);
    expect(toSummary(running).expiresAt).toBe(T0 + 5 * 60_000 + FINISHED_RETENTION_MS);
    const { done } = runStep(running, 'contact_lookup_1', JOHN, T0 + 10 * 60_000);
    expect(toStatusPayload(done.draft).expiresAt).toBe(T0 + 10 * 60_000 + 1 + FINISHED_RETENTION_MS);
    expect(keysExpireAt(done.draft, T0 + 10 * 60_000 + 1)).toBe(visibleExpiresAt(done.draft));
  });

  it('a draft kept by save_draft shows when its records go (2 h after the timeout), not the window that ended', () => {
    const d = build().draft;
    const at = T0 + 2 * HOUR;
    const saved = expireDraft(d, 'save_draft', SYSTEM, at)!.draft;
    expect(saved.expiresAt).toBeUndefined(); // the window itself is over
    expect(toStatusPayload(saved)).toMatchObject({ expired: true, expiresAt: at + DRAFT_RETENTION_MS });
    expect(toSummary(saved).expiresAt).toBe(at + DRAFT_RETENTION_MS);
    expect(keysExpireAt(saved, at)).toBe(at + DRAFT_RETENTION_MS);
  });

  it('a workflow the timeout rejected shows the 24 h of a finished workflow', () => {
    const at = T0 + 2 * HOUR;
    const rejected = expireDraft(build().draft, 'auto_reject', SYSTEM, at)!.draft;
    expect(rejected.state).toBe('cancelled');
    expect(toStatusPayload(rejected).expiresAt).toBe(at + FINISHED_RETENTION_MS);
  });
});
