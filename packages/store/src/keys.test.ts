import { createKeys } from './keys';

/** Redis Cluster's key → hash tag rule: the first {...} with something inside, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

/** CRC16/XMODEM mod 16384: the slot Redis Cluster assigns. */
function slot(key: string): number {
  let crc = 0;
  for (const byte of Buffer.from(hashTag(key))) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

describe('Redis Cluster readiness (issue 6)', () => {
  const keys = createKeys('tenant-a:');

  test('the slot function agrees with Redis on known keys', () => {
    // Values from the Redis Cluster specification / CLUSTER KEYSLOT.
    expect(slot('foo')).toBe(12182);
    expect(slot('{user1000}.following')).toBe(slot('{user1000}.followers'));
  });

  test("every key function of the layout puts its key in its owner's slot (its first argument)", () => {
    // Enumerated, not listed: a key added to keys.ts is checked without touching this test.
    // Every key function's first argument is its owner (a workflow or a user), whose tag it takes.
    const fns = Object.entries(keys).filter(([, v]) => typeof v === 'function') as [string, (...a: string[]) => string][];
    expect(fns.map(([name]) => name).sort()).toEqual(
      ['audit', 'draft', 'events', 'intervention', 'permissions', 'preferences', 'reply', 'roleAwaiting', 'roleAwaitingVersions', 'stepStatus', 'userActive', 'userFinished', 'workspace'].sort(),
    );
    for (const [name, fn] of fns) {
      const key = fn('owner-1', 'second-2', 'third-3');
      // A role's index is tagged `role:<name>`, so it never shares a slot name with a user's keys.
      const tag = name.startsWith('roleAwaiting') ? 'role:owner-1' : 'owner-1';
      expect({ name, key, tag: hashTag(key) }).toEqual({ name, key, tag });
      expect(key.startsWith('tenant-a:')).toBe(true);
    }
  });

  test('every key of one workflow hashes to one slot (the commit script touches them together)', () => {
    const sid = 'wf_AbC123xyz';
    const all = [keys.draft(sid), keys.events(sid), keys.audit(sid), keys.stepStatus(sid, 'contact_lookup_1'), keys.stepStatus(sid, 'email_draft_1'), keys.intervention(sid, 'contact_lookup_1')];
    expect(new Set(all.map(slot)).size).toBe(1);
  });

  test('the shared keys have tags of their own; the pub/sub channel is not a key', () => {
    expect(hashTag(keys.activeWorkflows)).toBe('active');
    expect(hashTag(keys.auditKeyMarker)).toBe('active');
    expect(hashTag(`${keys.queuePrefix}:steps:wait`)).toBe('wfa');
    // Every string member is accounted for.
    expect(Object.entries(keys).filter(([, v]) => typeof v === 'string').map(([k]) => k).sort()).toEqual(['activeWorkflows', 'auditKeyMarker', 'channel', 'prefix', 'queuePrefix']);
  });

  test('the seed key names are kept', () => {
    expect(keys.draft('wf_1')).toBe('tenant-a:workflow:draft:{wf_1}');
    expect(keys.stepStatus('wf_1', 's1')).toBe('tenant-a:workflow:{wf_1}:step:{s1}:status');
    expect(keys.userActive('u')).toBe('tenant-a:approvals:{u}:active');
    expect(keys.preferences('u')).toBe('tenant-a:user:{u}:approval_preferences');
    expect(keys.intervention('wf_1', 's1')).toBe('tenant-a:intervention:{wf_1}:step:{s1}');
  });

  test('a prefix with braces is refused (it would change the hash tags)', () => {
    expect(() => createKeys('{x}')).toThrow();
  });
});
