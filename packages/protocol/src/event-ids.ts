/** Event ids (SPEC: every server event carries one) are Redis stream ids "<ms>-<seq>"; compare them numerically, part by part. */
export function compareEventIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}

export function isEventId(s: string): boolean {
  return /^\d{1,16}(-\d{1,16})?$/.test(s);
}
