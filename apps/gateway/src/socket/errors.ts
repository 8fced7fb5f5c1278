import { ProtocolError, type ErrorBody } from '@wfa/protocol';
import { CorruptRecordError, VersionConflictError } from '@wfa/store';

const REDIS_DOWN = /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|MaxRetriesPerRequest|Reached the max retries|connect ETIMEDOUT|LOADING/i;

/** The one place where every failure becomes a protocol error body (SPEC §5 codes). */
export function toErrorBody(err: unknown, redisReady: boolean): ErrorBody {
  if (err instanceof ProtocolError) return err.toBody();
  if (err instanceof VersionConflictError) {
    return { code: 'conflict', message: 'the workflow changed concurrently; reload it and try again' };
  }
  if (err instanceof CorruptRecordError) return { code: 'internal', message: 'a stored record is unreadable' };
  const message = err instanceof Error ? `${err.name} ${err.message}` : String(err);
  if (!redisReady || REDIS_DOWN.test(message)) {
    return { code: 'unavailable', message: 'the state store is unavailable; nothing was changed, try again shortly' };
  }
  return { code: 'internal', message: 'internal error' };
}

/** Errors worth remembering under a messageId: transient ones are not (the client should retry). */
export function isReplayableAnswer(body: ErrorBody): boolean {
  return !['unavailable', 'rate_limited', 'internal'].includes(body.code);
}
