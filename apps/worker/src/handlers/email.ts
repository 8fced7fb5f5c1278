import { mailFolder } from '@wfa/protocol';
import type { StepHandler } from './types';
import { PermanentStepError, completed, resolvedNumber } from './types';
import { WORKSPACE_SENDER, deriveId, type Mail } from './workspace';

const DEFAULT_FETCH_LIMIT = 10;

/** Built-in send: the outbox is the built-in "SMTP"; the message id makes a redelivery a no-op. */
export const sendEmail: StepHandler<'send_email'> = async (params, ctx) => {
  await ctx.reportProgress(50, `Sending "${params.subject}" to ${params.recipient}`);
  const mail = await ctx.workspace.sendMail(
    deriveId('msg', ctx.idempotencyKey),
    { to: params.recipient, subject: params.subject, body: params.body ?? '' },
    ctx.now(),
  );
  return completed({ messageId: mail.messageId, recipient: mail.to, subject: mail.subject }, `Sent "${mail.subject}" to ${mail.to}`);
};

export const createDraft: StepHandler<'create_draft'> = async (params, ctx) => {
  await ctx.reportProgress(50, `Drafting "${params.subject}" to ${params.recipient}`);
  const draft = await ctx.workspace.createDraft(
    deriveId('draft', ctx.idempotencyKey),
    { recipient: params.recipient, subject: params.subject, body: params.body ?? '' },
    ctx.now(),
  );
  return completed(
    { draftId: draft.draftId, recipient: draft.recipient, subject: draft.subject },
    `Draft "${draft.subject}" to ${draft.recipient} created`,
  );
};


export const fetchEmails: StepHandler<'fetch_emails'> = async (params, ctx) => {
  // Checked with the plan too; a folder that came from a template is checked here.
  const folder = mailFolder(params.folder ?? 'inbox');
  if (!folder) throw new PermanentStepError(`Unknown mail folder "${params.folder}"; use inbox, sent or drafts`);
  let mails: Mail[];
  if (folder === 'drafts') {
    // Drafts are listed in the same shape as mail so consumers of `emails` need one schema.
    mails = (await ctx.workspace.listDrafts()).map((d) => ({
      messageId: d.draftId,
      from: WORKSPACE_SENDER,
      to: d.recipient,
      subject: d.subject,
      body: d.body,
      date: d.createdAt,
    }));
  } else {
    mails = await ctx.workspace.listMail(folder === 'sent' ? 'outbox' : 'inbox');
  }
  await ctx.reportProgress(50, `Reading ${folder}`);
  const emails = mails.slice(0, resolvedNumber(params.limit, 'limit') ?? DEFAULT_FETCH_LIMIT);
  return completed({ emails }, `Fetched ${emails.length} email${emails.length === 1 ? '' : 's'} from ${folder}`);
};
