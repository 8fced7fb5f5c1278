import { ProtocolError } from '@wfa/protocol';
import { auditPage } from '@wfa/store';
import type { MessageHandler } from '../context';
import { assertVisible } from './effects';

/**
 * SPEC §6.11's verify call: whether the workflow's whole audit log holds (its hash chain against
 * the workflow's sealed head), with its newest entries, oldest first (a page: `beforeSeq`, `limit`,
 * `hasOlder`). Read-only; the owner only (another user's workflow is `not_found`, as everywhere;
 * a second approver, who may see the workflow, is told `forbidden`).
 */
/** Entries one answer carries unless the client asks for fewer. */
const DEFAULT_PAGE = 500;

export const onWorkflowAudit: MessageHandler<'WORKFLOW_AUDIT'> = async (ctx, payload) => {
  const sessionId = ctx.envelope.sessionId as string;
  const audit = await ctx.deps.store.verifiedAudit(sessionId);
  assertVisible(audit?.draft ?? null, ctx, sessionId, { ownerOnly: true });
  if (!audit) throw new ProtocolError('not_found', `no workflow ${sessionId}`);
  if (!audit.verification.valid) ctx.logger.warn('audit log does not verify', { sessionId, problem: audit.verification.problem });
  const page = auditPage(audit.entries, audit.lines, payload.beforeSeq, payload.limit ?? DEFAULT_PAGE);
  return { sessionId, version: audit.draft.version, verification: audit.verification, entries: page.entries, hasOlder: page.hasOlder };
};
