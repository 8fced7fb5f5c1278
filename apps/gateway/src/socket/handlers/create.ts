import { randomBytes } from 'node:crypto';
import { ProtocolError, type ExecutionMode } from '@wfa/protocol';
import { buildDraft, type PlanInput } from '@wfa/domain';
import type { MessageContext, MessageHandler } from '../context';
import { carryOut } from './effects';

/** How long a draft waits for decisions unless the user's preferences say otherwise. */
const DEFAULT_DRAFT_TTL_MS = 2 * 3600 * 1000;

function newSessionId(): string {
  return `wf_${randomBytes(12).toString('base64url')}`;
}

async function createWorkflow(
  ctx: MessageContext,
  plan: PlanInput,
  opts: { mode?: ExecutionMode; timezone?: string; localDatetime?: string },
): Promise<Record<string, unknown>> {
  const { deps, user } = ctx;
  const live = await deps.store.countUserWorkflows(user.userId);
  if (live >= deps.limits.maxConcurrentWorkflowsPerUser) {
    // The index may hold drafts that expired; count precisely before refusing.
    const current = await deps.store.listUserWorkflows(user.userId, deps.limits.maxConcurrentWorkflowsPerUser + 50);
    if (current.length >= deps.limits.maxConcurrentWorkflowsPerUser) {
      throw new ProtocolError('limit_exceeded', `you already have ${current.length} live workflows (limit ${deps.limits.maxConcurrentWorkflowsPerUser})`);
    }
  }
  const preferences = await deps.preferences.get(user.userId);
  const now = deps.now();
  const sessionId = newSessionId();
  const t = buildDraft(plan, {
    sessionId,
    userId: user.userId,
    phoneNumber: user.phoneNumber,
    timezone: opts.timezone ?? user.timezone ?? 'UTC',
    localDatetime: opts.localDatetime,
    mode: opts.mode ?? 'review_all',
    now,
    preferences,
    limits: deps.limits,
    draftTtlMs: preferences.timeout.timeoutMs ?? DEFAULT_DRAFT_TTL_MS,
  });
  if (t.draft.state === 'created' && t.draft.expiresAt) {
    // Durable reminders and expiry (SPEC §6.8): delayed jobs that survive every restart. Scheduled
    // before the commit, so no crash can leave a draft without its timers (a timer whose draft
    // was never stored is a no-op).
    await deps.timers.scheduleDraft(sessionId, now, t.draft.expiresAt, preferences.timeout.reminderIntervals, now);
  }
  const envelopes = await deps.store.commit(-1, t);
  await deps.store.addToUserIndex(user.userId, sessionId, now);
  await carryOut(ctx, t, envelopes);
  ctx.logger.info('workflow created', { sessionId, steps: t.draft.steps.length });
  return { sessionId, version: t.draft.version };
}

export const onUserMessage: MessageHandler<'USER_MESSAGE'> = async (ctx, payload) => {
  const timezone = payload.timezone ?? ctx.user.timezone ?? 'UTC';
  if (!isValidTimeZone(timezone)) throw new ProtocolError('invalid_message', `unknown timezone "${timezone}"`);
  const plan = ctx.deps.planner.plan({
    message: payload.message,
    timezone,
    now: new Date(ctx.deps.now()),
    localDatetime: payload.localDatetime,
  });
  return createWorkflow(ctx, plan, { mode: payload.mode, timezone, localDatetime: payload.localDatetime });
};

export const onWorkflowSubmit: MessageHandler<'WORKFLOW_SUBMIT'> = async (ctx, payload) => {
  return createWorkflow(ctx, payload.plan, { mode: payload.mode });
};

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
