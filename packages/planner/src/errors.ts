import { ProtocolError } from '@wfa/protocol';

export const DEFAULT_EXAMPLE = 'Send email to John about the meeting';

/**
 * Every refusal goes through here so the user always sees the same shape: what went wrong,
 * then a request that would have worked (the gateway forwards the message verbatim).
 */
export function planError(reason: string, example: string = DEFAULT_EXAMPLE): ProtocolError {
  const trimmed = reason.replace(/[.\s]+$/, '');
  return new ProtocolError('invalid_plan', `I could not turn that into a plan: ${trimmed}. Try e.g. "${example}"`);
}
