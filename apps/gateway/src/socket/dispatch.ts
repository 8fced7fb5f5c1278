import { performance } from 'node:perf_hooks';
import {
  CLIENT_MESSAGE_TYPES,
  CLIENT_PAYLOADS,
  ClientEnvelopeSchema,
  ProtocolError,
  WORKFLOW_SCOPED_TYPES,
  MAX_MESSAGE_DEPTH,
  findRawMessageProblem,
  type Ack,
  type AckCallback,
  type ClientMessageType,
} from '@wfa/protocol';
import type { AppSocket, MessageHandlers, SocketDeps } from './context';
import { isReplayableAnswer, toErrorBody } from './errors';
import { TOKEN_EXPIRED } from '../auth';

const READ_AFRESH: ReadonlySet<string> = new Set(['WORKFLOW_AUDIT']);

/**
 * Handle one client message end to end (any event name: an unknown one is refused here, after
 * the rate limit): rate limit, size limit, envelope and payload schemas,
 * at-most-once by messageId, the handler, and an acknowledgement that is always called (or an
 * ERROR event when the client gave no callback). A refused message changes nothing.
 */
export async function dispatch(
  deps: SocketDeps,
  handlers: MessageHandlers,
  socket: AppSocket,
  event: string,
  args: readonly unknown[],
  ack: AckCallback | undefined,
): Promise<void> {
  const user = socket.data.user;
  const started = performance.now();
  const measure = (r: Ack) => deps.metrics?.recordMessage(event, r.ok ? 'ok' : r.error.code, (performance.now() - started) / 1000);
  let reply: Ack;
  let claimedId: string | undefined;
  try {
    if (user.expiresAt !== undefined && deps.now() >= user.expiresAt) {
      throw new ProtocolError('unauthorized', TOKEN_EXPIRED);
    }
    if (!socket.data.bucket.take()) throw new ProtocolError('rate_limited', 'too many messages; slow down');
    if (!isClientMessageType(event)) throw new ProtocolError('invalid_message', `unknown message type "${event}"`);
    const type = event;
    if (args.length !== 1) {
      throw new ProtocolError('invalid_message', `a ${type} message is one envelope (and an optional acknowledgement callback); got ${args.length} values`);
    }
    const raw = args[0];
    // First the one walk that reads any depth (prototype keys, nesting), so that nothing after it
    // (JSON.stringify for the size, the schemas) can overflow the stack on a deeply nested message.
    const problem = findRawMessageProblem(raw, MAX_MESSAGE_DEPTH);
    if (problem?.kind === 'too_deep') {
      throw new ProtocolError('invalid_message', `the message nests deeper than ${MAX_MESSAGE_DEPTH} levels (at ${problem.path})`, { path: problem.path });
    }
    // Refused, not silently left out by the schemas (which is what zod's records do with it).
    if (problem?.kind === 'forbidden_key') {
      throw new ProtocolError('invalid_message', `the key "${problem.path.split(/[.[]/).pop()}" is not allowed (at ${problem.path})`, { path: problem.path });
    }
    const size = Buffer.byteLength(JSON.stringify(raw) ?? '', 'utf8');
    if (size > deps.limits.messagePayloadSizeLimit) {
      throw new ProtocolError('invalid_message', `message is ${size} bytes; the limit is ${deps.limits.messagePayloadSizeLimit}`);
    }
    const envelope = ClientEnvelopeSchema.safeParse(raw);
    if (!envelope.success) throw new ProtocolError('invalid_message', 'the envelope is malformed', envelope.error.issues);
    if (envelope.data.type !== type) {
      throw new ProtocolError('invalid_message', `envelope type "${envelope.data.type}" does not match event "${type}"`);
    }
    if (WORKFLOW_SCOPED_TYPES.includes(type) && !envelope.data.sessionId) {
      throw new ProtocolError('invalid_message', `${type} needs the workflow's sessionId`);
    }
    const payload = CLIENT_PAYLOADS[type].safeParse(envelope.data.payload);
    if (!payload.success) throw new ProtocolError('invalid_message', `invalid ${type} payload`, payload.error.issues);

    // A read-only answer is not kept for resends: a resend reads afresh (and an audit log's
    // answer is large and must say what the log holds now).
    const messageId = READ_AFRESH.has(type) ? undefined : envelope.data.messageId;
    if (messageId) {
      // A resend is the same message: same type, same workflow. An id reused on another workflow
      // is another message, applied on its own.
      const scope = replyScope(envelope.data.sessionId, messageId);
      const claim = await deps.replies.claim(user.userId, type, scope);
      if (claim.kind === 'answered') {
        ack?.(claim.reply as Ack);
        measure(claim.reply as Ack);
        return;
      }
      if (claim.kind === 'in_progress') throw new ProtocolError('unavailable', 'this messageId is still being processed; retry');
      claimedId = scope;
    }
    const logger = deps.logger.child({ type, sessionId: envelope.data.sessionId, userId: user.userId });
    const handler = handlers[type] as (ctx: Parameters<MessageHandlers[typeof type]>[0], p: unknown) => Promise<Record<string, unknown>>;
    const extra = await handler({ deps, socket, user, envelope: envelope.data, logger }, payload.data);
    reply = { ...extra, ok: true };
  } catch (err) {
    const error = toErrorBody(err, deps.redisReady());
    if (error.code === 'internal') deps.logger.error('message failed', { type: event, error: String(err), stack: (err as Error)?.stack });
    reply = { ok: false, error };
  }
  if (claimedId) {
    const keep = reply.ok || isReplayableAnswer(reply.error);
    await (keep ? deps.replies.store(user.userId, event, claimedId, reply) : deps.replies.release(user.userId, event, claimedId)).catch(() => undefined);
  }
  answer(socket, ack, reply, deps.now);
  measure(reply);
}

/** The one way a message is answered: its acknowledgement, or (without one) an ERROR event for a refusal. */
export function answer(socket: AppSocket, ack: AckCallback | undefined, reply: Ack, now: () => number): void {
  if (ack) ack(reply);
  else if (!reply.ok) socket.emit('ERROR', { type: 'ERROR', payload: reply.error, timestamp: now() });
}

/** The reply cache's id of a message: its messageId within its workflow (session ids hold no ':'). */
function replyScope(sessionId: string | undefined, messageId: string): string {
  return `${sessionId ?? ''}:${messageId}`;
}

function isClientMessageType(event: string): event is ClientMessageType {
  return (CLIENT_MESSAGE_TYPES as readonly string[]).includes(event);
}
