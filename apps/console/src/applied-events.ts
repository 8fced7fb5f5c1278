import { compareEventIds } from '@wfa/protocol';
import type { LogEntry, WorkflowVM } from './types';

/** How many applied event ids a view remembers (newest by id); older ones count as applied. */
export const MAX_REMEMBERED = 500;

/**
 * Whether an event was applied to this view already. Ids above the high-water mark are new. One
 * at or below it is new too when the view never applied it: on a (re)connect, the user's live
 * events reach the socket at once, before the gateway has handled its WORKFLOW_SUBSCRIBE, so the
 * replay that follows can bring events older than one applied live. Ids at or below the floor
 * (those forgotten to keep the list short, or everything a view saved before ids were remembered
 * had applied) count as applied.
 */
export function alreadyApplied(wf: WorkflowVM, eventId: string): boolean {
  if (!wf.lastEventId || compareEventIds(eventId, wf.lastEventId) > 0) return false;
  const ids = wf.appliedIds;
  if (!ids || (wf.appliedFloor && compareEventIds(eventId, wf.appliedFloor) <= 0)) return true;
  return ids[insertionPoint(ids, eventId, (x) => x) - 1] === eventId;
}

/** Whether an event not applied yet is older than one that was (it arrived late: see alreadyApplied). */
export function arrivedLate(wf: WorkflowVM, eventId: string): boolean {
  return wf.lastEventId !== undefined && compareEventIds(eventId, wf.lastEventId) < 0;
}

/** Record an applied event: the high-water mark only moves forward; the ids stay sorted and bounded. */
export function rememberApplied(wf: WorkflowVM, eventId: string): void {
  if (!wf.appliedIds) {
    wf.appliedIds = [];
    if (wf.lastEventId) wf.appliedFloor = wf.lastEventId;
  }
  if (!wf.lastEventId || compareEventIds(eventId, wf.lastEventId) > 0) wf.lastEventId = eventId;
  const ids = wf.appliedIds;
  ids.splice(insertionPoint(ids, eventId, (x) => x), 0, eventId);
  if (ids.length > MAX_REMEMBERED) {
    const forgotten = ids.splice(0, ids.length - MAX_REMEMBERED);
    const newest = forgotten[forgotten.length - 1] as string;
    if (!wf.appliedFloor || compareEventIds(newest, wf.appliedFloor) > 0) wf.appliedFloor = newest;
  }
}

/** Add a line to the activity list in the order the server logged the events, not the order they arrived. */
export function insertLogEntry(log: LogEntry[], entry: LogEntry, max: number): void {
  log.splice(insertionPoint(log, entry.eventId, (e) => e.eventId), 0, entry);
  if (log.length > max) log.splice(0, log.length - max);
}

/** The index after the last element whose id is at or below `id` (the list is sorted by id; searched from the end, where new ids go). */
function insertionPoint<T>(list: readonly T[], id: string, idOf: (x: T) => string): number {
  let i = list.length;
  while (i > 0 && compareEventIds(idOf(list[i - 1] as T), id) > 0) i--;
  return i;
}
