import { ProtocolError } from '@wfa/protocol';
import type { MessageHandler } from '../context';
import { assertVisible } from './effects';

/**
 * SPEC §6.11's verify call: the workflow's whole audit log, oldest first, and whether its hash
 * chain holds against the workflow's recorded head. Read-only; the owner only (another user's
 * workflow is `not_found`, as everywhere).
 */
export const onWorkflowAudit: MessageHandler<'WORKFLOW_AUDIT'> = async (ctx) => {
  const sessionId = ctx.envelope.sessionId as string;
  const audit = await ctx.deps.store.verifiedAudit(sessionId);
  assertVisible(audit?.draft ?? null, ctx, sessionId);
  if (!audit) throw new ProtocolError('not_found', `no workflow ${sessionId}`);
  if (!audit.verification.valid) ctx.logger.warn('audit log does not verify', { sessionId, problem: audit.verification.problem });
  return { sessionId, version: audit.draft.version, verification: audit.verification, entries: audit.entries };
};
