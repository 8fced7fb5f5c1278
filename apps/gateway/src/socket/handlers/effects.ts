import { ProtocolError, type ServerEnvelope, type WorkflowDraft } from '@wfa/protocol';
import { maySee, type Actor, type AuditActor, type Transition } from '@wfa/domain';
import { carryOut as carryOutChange } from '@wfa/store';
import type { MessageContext } from '../context';

/** Wait at most this long for the relay to bring a change's events back to the acting socket. */
const ACK_AFTER_EVENTS_MS = 1500;

export function actorOf(ctx: MessageContext): Actor {
  return { userId: ctx.user.userId, roles: ctx.user.roles, kind: 'user' };
}

/**
 * The client's address behind `hops` trusted proxies: each appends the address it heard from to
 * X-Forwarded-For, so the client is the entry `hops` from the right; anything further left was
 * written by the client itself and is not believed. Without trusted proxies, the socket's peer.
 */
export function clientAddress(peer: string, forwarded: string | string[] | undefined, hops: number): string {
  if (hops <= 0 || forwarded === undefined) return peer;
  const list = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded).split(',').map((a) => a.trim()).filter(Boolean);
  const entry = list[list.length - hops];
  // Fewer entries than trusted proxies: the nearest one's view is the best there is.
  return (entry ?? list[0] ?? peer).slice(0, 100);
}

/** Longest user agent the audit keeps (a header is the client's to fill). */
const USER_AGENT_MAX = 256;

/**
 * SPEC §6.11: who made a change through this message, from where, and what the message asked
 * ("WORKFLOW_APPROVAL approve_all", "WORKFLOW_EDIT 2 edits"). The address is the socket's peer
 * (or, with TRUST_PROXY_HOPS, the client as the outermost trusted proxy saw it; docs/DECISIONS.md).
 */
export function auditActorOf(ctx: MessageContext): AuditActor {
  const hs = ctx.socket.handshake;
  const agent = hs.headers['user-agent'];
  const p = (ctx.envelope.payload ?? {}) as Record<string, unknown>;
  const what = [p['action'], p['operation'], p['option']].find((v): v is string => typeof v === 'string');
  const edits = Array.isArray(p['edits']) ? (p['edits'] as unknown[]) : undefined;
  const detail = what ?? (edits ? `${edits.length} edit${edits.length === 1 ? '' : 's'}` : undefined);
  // The reasons the user gave: the message's own, or each edit's for its step.
  const stepReasons: Record<string, string> = Object.create(null);
  for (const e of edits ?? [p]) {
    const { stepId, reason } = (e ?? {}) as Record<string, unknown>;
    if (typeof stepId === 'string' && typeof reason === 'string' && reason) stepReasons[stepId] = reason;
  }
  const reason = typeof p['reason'] === 'string' && p['reason'] ? p['reason'] : undefined;
  return {
    userId: ctx.user.userId,
    kind: 'user',
    ipAddress: clientAddress(hs.address ?? '', hs.headers['x-forwarded-for'], ctx.deps.trustProxyHops ?? 0),
    userAgent: typeof agent === 'string' ? agent.slice(0, USER_AGENT_MAX) : '',
    cause: detail ? `${ctx.envelope.type} ${detail}` : ctx.envelope.type,
    ...(reason ? { reason } : {}),
    stepReasons,
  };
}

/**
 * SPEC §4: only the owner sees a workflow, and (SPEC §6.10) users holding the approver role of one
 * of its steps that needs a second approval; anyone else gets exactly what a missing one gets.
 * What an approver may do there is the domain's to say (approve or reject what waits for them).
 * `ownerOnly`: a message for the owner alone (an approver is told `forbidden`).
 */
export function assertVisible(draft: WorkflowDraft | null, ctx: MessageContext, sessionId: string, opts: { ownerOnly?: boolean } = {}): WorkflowDraft {
  if (!draft || !maySee(draft, ctx.user)) throw new ProtocolError('not_found', `no workflow ${sessionId}`);
  if (opts.ownerOnly && draft.userId !== ctx.user.userId) throw new ProtocolError('forbidden', "only the workflow's owner may read this");
  return draft;
}

/**
 * Apply a domain decision to the named workflow with optimistic concurrency, then carry out what
 * it asks of the queues. The acknowledgement is sent after the change's events reached this
 * socket, so a client sees the consequences of its message no later than its answer.
 */
export async function decide(ctx: MessageContext, decision: (draft: WorkflowDraft) => Transition): Promise<Record<string, unknown>> {
  const sessionId = ctx.envelope.sessionId;
  if (!sessionId) throw new ProtocolError('invalid_message', 'sessionId is required');
  const { store } = ctx.deps;
  // Someone else's workflow looks exactly like a missing one (assertVisible and the store say the
  // same words); only past that check can the domain say which step of the owner's is unknown.
  const { result, envelopes } = await store.mutate(sessionId, (draft) => decision(assertVisible(draft, ctx, sessionId)), auditActorOf(ctx));
  if (!result) throw new ProtocolError('invalid_state', 'nothing to change');
  await carryOut(ctx, result, envelopes);
  return { sessionId, version: result.draft.version, ...result.ack };
}

/** The shared carry-out (queues, indexes), then wait for the change's events on this socket. */
export async function carryOut(ctx: MessageContext, t: Transition, envelopes: ServerEnvelope[]): Promise<void> {
  await carryOutChange(ctx.deps, t);
  const last = envelopes[envelopes.length - 1];
  if (last) await ctx.socket.data.delivery.waitFor(t.draft.sessionId, last.eventId, ACK_AFTER_EVENTS_MS);
}
