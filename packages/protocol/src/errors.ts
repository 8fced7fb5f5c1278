import { z } from 'zod';

/** Error codes of SPEC §5, carried in every refused acknowledgement. */
export const ErrorCodeSchema = z.enum([
  'invalid_message',
  'unauthorized',
  'not_found',
  'forbidden',
  'invalid_state',
  'conflict',
  'invalid_plan',
  'limit_exceeded',
  'rate_limited',
  'unavailable',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ErrorBodySchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** A failure that maps 1:1 onto a protocol error code; thrown by domain and adapters alike. */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}
