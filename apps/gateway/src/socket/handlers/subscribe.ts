import { ProtocolError, compareEventIds, isEventId, snapshotEventId } from '@wfa/protocol';
import { isFinished, toStatusPayload, toSummary } from '@wfa/domain';
import type { MessageHandler } from '../context';
import { assertVisible } from './effects';

/**
 * SPEC §5 resume: WORKFLOW_STATUS now (`asOfEventId`: the last event it reflects), then every
 * logged event after `lastEventId`, in order, none twice, then live events with no gap (live ones
 * are held back on this socket while the replay is read).
 *
 * Which events "after lastEventId" are sent again depends on where the client got lastEventId:
 * - from another connection (a client that reconnects): this socket may already have received a
 *   few live events between its connect and this subscribe; those are not sent twice, so the
 *   client ends with every event exactly once;
 * - from this very socket (a client that asks again for what followed an event it got here, e.g.
 *   a view reopened in a tab that stayed connected): all of them, even those it got live;
 * - without `lastEventId`: the whole log, even what went out live.
 * The acknowledgement's `replayed` counts the logged events this subscribe sends.
 */
export const onWorkflowSubscribe: MessageHandler<'WORKFLOW_SUBSCRIBE'> = async (ctx, payload) => {
  const sessionId = ctx.envelope.sessionId as string;
  const { lastEventId } = payload;
  if (lastEventId !== undefined && !isEventId(lastEventId)) throw new ProtocolError('invalid_message', 'lastEventId is not an event id');
  const delivery = ctx.socket.data.delivery;
  // Read before anything is held or sent: what this socket had when the client asked.
  const resendAll = lastEventId === undefined || delivery.hasSent(sessionId, lastEventId);
  delivery.beginReplay(sessionId);
  let replayed: Awaited<ReturnType<typeof ctx.deps.store.readEvents>> | undefined;
  try {
    const snap = await ctx.deps.store.snapshot(sessionId);
    const draft = assertVisible(snap.draft, ctx, sessionId);
    assertNotAhead(lastEventId, snap.lastEventId);
    // This socket follows the workflow from now on, with its state up to the snapshot: a relay
    // catch-up covers it, from there, even if it finishes (and leaves the owner's index) meanwhile.
    delivery.follow(sessionId, snap.lastEventId);
    // The snapshot sits just after `lastEventId`, before the replay, so no id comes twice and ids
    // keep increasing; `asOfEventId` says up to which logged event it reflects the workflow.
    const payload = toStatusPayload(draft);
    ctx.socket.emit('WORKFLOW_STATUS', {
      type: 'WORKFLOW_STATUS',
      sessionId,
      eventId: snapshotEventId(lastEventId),
      payload: snap.lastEventId ? { ...payload, asOfEventId: snap.lastEventId } : payload,
      timestamp: ctx.deps.now(),
    });
    replayed = await ctx.deps.store.readEvents(sessionId, lastEventId);
    const sends = resendAll ? replayed.length : replayed.filter((e) => !delivery.hasSent(sessionId, e.eventId)).length;
    return { sessionId, version: draft.version, replayed: sends, lastEventId: snap.lastEventId };
  } finally {
    // Only a replay that was read resends what went out live; a refused one (unavailable,
    // not_found) leaves what this socket has had as it was.
    delivery.endReplay(sessionId, replayed ?? [], resendAll && replayed !== undefined);
  }
};

/**
 * A `lastEventId` after everything the log holds (made up, or kept across a Redis that lost its
 * last second of writes) is refused: the snapshot would carry an id beyond every event still to
 * come, and a client that drops ids it has "seen" would drop them all. The highest id a client
 * can hold is a snapshot's, just after the last logged event.
 */
function assertNotAhead(lastEventId: string | undefined, lastLogged: string | undefined): void {
  if (lastEventId === undefined || lastLogged === undefined) return;
  if (compareEventIds(lastEventId, snapshotEventId(lastLogged)) <= 0) return;
  throw new ProtocolError(
    'invalid_message',
    `lastEventId ${lastEventId} is after this workflow's last event (${lastLogged}); subscribe with an id you received, or without one for the whole log`,
    { field: 'lastEventId', lastLoggedEventId: lastLogged },
  );
}

/**
 * The user's live workflows, newest first, and (SPEC §6.10) other users' workflows with a step
 * waiting for the second approval of a role the user holds (`userId` says whose; their
 * `awaitingSecondApproval` names the steps). A role's index entry that no longer waits for it is
 * dropped on the way.
 */
export const onWorkflowList: MessageHandler<'WORKFLOW_LIST'> = async (ctx) => {
  const { store } = ctx.deps;
  const [own, awaiting] = await Promise.all([store.listUserWorkflows(ctx.user.userId), store.roles.awaiting(ctx.user.userId, ctx.user.roles)]);
  const workflows = [...own.filter((d) => !isFinished(d)), ...awaiting].sort((a, b) => b.createdAt - a.createdAt).map(toSummary);
  return { workflows };
};
