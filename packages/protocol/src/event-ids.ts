/** Event ids (SPEC: every server event carries one) are Redis stream ids "<ms>-<seq>"; compare them numerically, part by part. */
export function compareEventIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}

export function isEventId(s: string): boolean {
  return /^\d{1,16}(-\d{1,16})?$/.test(s);
}

/**
 * The position of a subscribe's snapshot: just after `lastEventId` (same ms, next sequence), so
 * before every logged event after it. Logged ids are `<ms>-0` (commit-workflow.lua), so the
 * snapshot's id is never one of theirs, and ids on the wire keep increasing: snapshot, replay,
 * live. Without `lastEventId` (a full replay) it comes before everything: `0-1`.
 */
export function snapshotEventId(lastEventId: string | undefined): string {
  if (lastEventId === undefined) return '0-1';
  const [ms = 0, seq = 0] = lastEventId.split('-').map(Number);
  return `${ms}-${seq + 1}`;
}

/** Whether an id is a logged event's (`<ms>-0`, commit-workflow.lua) rather than a subscribe snapshot's place. */
export function isLoggedEventId(id: string): boolean {
  return id.endsWith('-0');
}
