import { randomBytes } from 'node:crypto';
import { ProtocolError, isValidTimeZone, zoneForLocalDatetime, type ExecutionMode } from '@wfa/protocol';
import { buildDraft, keysExpireAt, retireCheckAt, type PlanInput } from '@wfa/domain';
import type { MessageContext, MessageHandler } from '../context';
import { auditActorOf, carryOut } from './effects';

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
  // Read together: one round trip.
  const [preferences, permissions] = await Promise.all([deps.preferences.get(user.userId), deps.permissions.get(user.userId)]);
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
    permissions,
    limits: deps.limits,
    draftTtlMs: preferences.timeout.timeoutMs ?? DEFAULT_DRAFT_TTL_MS,
  });
  await reserveSlot(ctx, sessionId, now);
  let envelopes: Awaited<ReturnType<typeof deps.store.commit>>;
  try {
    // Durable reminders and expiry (SPEC §6.8), and the check that takes the workflow out of its
    // owner's index once its records expired: delayed jobs that survive every restart. Scheduled
    // before the commit, so no crash can leave a workflow without its timers (a timer whose
    // workflow was never stored is a no-op).
    await deps.timers.scheduleNew(
      {
        sessionId,
        userId: user.userId,
        createdAt: now,
        ...(t.draft.state === 'created' && t.draft.expiresAt ? { expiresAt: t.draft.expiresAt } : {}),
        reminderIntervals: preferences.timeout.reminderIntervals,
        retireAt: retireCheckAt(keysExpireAt(t.draft, now)),
      },
      now,
    );
    envelopes = await deps.store.commit(-1, t, auditActorOf(ctx));
  } catch (err) {
    // A commit whose answer was lost (a reset connection, after which ioredis sends it again and
    // then hears "exists") may have gone through: the new session id exists only if it did.
    if (await deps.store.load(sessionId).catch(() => null)) {
      envelopes = [];
    } else {
      // Refused or failed: the slot goes back (if this fails too, the entry is pruned as expired).
      await deps.store.removeFromUserIndex(user.userId, sessionId).catch(() => undefined);
      throw err;
    }
  }
  await carryOut(ctx, t, envelopes);
  ctx.logger.info('workflow created', { sessionId, steps: t.draft.steps.length });
  return { sessionId, version: t.draft.version };
}

/**
 * SPEC §6.12's live workflows per user, checked and taken in one step in Redis, so concurrent
 * creates (on any gateway) cannot pass the limit together. The index may hold drafts that expired:
 * when it looks full they are pruned and the reservation is tried once more.
 */
async function reserveSlot(ctx: MessageContext, sessionId: string, now: number): Promise<void> {
  const { deps, user } = ctx;
  const limit = deps.limits.maxConcurrentWorkflowsPerUser;
  if ((await deps.store.reserveInUserIndex(user.userId, sessionId, now, limit)) === null) return;
  await deps.store.listUserWorkflows(user.userId, limit + 50);
  const found = await deps.store.reserveInUserIndex(user.userId, sessionId, now, limit);
  if (found !== null) throw new ProtocolError('limit_exceeded', `you already have ${found} live workflows (limit ${limit})`);
}

export const onUserMessage: MessageHandler<'USER_MESSAGE'> = async (ctx, payload) => {
  // The payload's zone, then the token's; a client that sent only its wall clock gets the zone of
  // that clock's offset (protocol's zoneForLocalDatetime); UTC when nothing tells.
  const timezone = payload.timezone ?? ctx.user.timezone ?? zoneForLocalDatetime(payload.localDatetime, ctx.deps.now()) ?? 'UTC';
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
