import { SERVER_PAYLOADS } from '@wfa/protocol';
import type { ActionStepInput } from '@wfa/protocol';
import type { Actor } from './api';
import { applyApproval } from './decisions';
import { draftReminder, expireDraft } from './timers';
import { toStatusPayload } from './views';
import { T0, USER, approveAll, build, step, types } from './test-helpers';

const SYSTEM: Actor = { userId: 'system', roles: [], kind: 'system' };
const LATER = T0 + 3 * 3600 * 1000;

/** low-risk task, high-risk email send, and a low-risk task that depends on the email. */
const steps: ActionStepInput[] = [
  { id: 'low', type: 'task', action: 'create_task', params: { title: 'x' }, description: 'Low' },
  { id: 'high', type: 'email', action: 'send_email', params: { recipient: 'a@b.co', subject: 'hi' }, description: 'High' },
  { id: 'after', type: 'task', action: 'create_task', params: { title: 'y' }, description: 'After', requires: [{ stepId: 'high', effect: 'blocks', resolution: 'skip' }] },
];

describe('draftReminder', () => {
  it('reminds about what waits on the user, without changing the draft', () => {
    const d = build({ steps }).draft;
    const t = draftReminder(d, 0, T0 + 1000)!;
    expect(t.draft).toEqual(d);
    expect(t.draft).not.toBe(d);
    expect(t.draft.version).toBe(d.version);
    expect(t.draft.lastInteraction).toBe(d.lastInteraction);
    expect(t.enqueue).toEqual([]);
    expect(t.cancel).toEqual([]);
    expect(t.events).toEqual([{ type: 'WORKFLOW_REMINDER', payload: { expiresAt: d.expiresAt, pendingStepIds: ['low', 'high', 'after'] } }]);
    expect(SERVER_PAYLOADS.WORKFLOW_REMINDER.safeParse(t.events[0]!.payload).success).toBe(true);
  });

  it('is a no-op once nothing waits, once running, after expiry, or without an expiry', () => {
    const d = build({ steps }).draft;
    expect(draftReminder(approveAll(d).draft, 0, T0 + 1000)).toBeNull(); // running
    expect(draftReminder(d, 1, d.expiresAt!)).toBeNull(); // too late
    const { expiresAt: _gone, ...noExpiry } = d;
    expect(draftReminder(noExpiry, 0, T0 + 1)).toBeNull();
    const cancelled = applyApproval(d, { action: 'cancel_all' }, USER, T0 + 1).draft;
    expect(draftReminder(cancelled, 0, T0 + 2)).toBeNull();
    const saved = expireDraft(d, 'save_draft', SYSTEM, LATER)!.draft;
    expect(draftReminder(saved, 0, LATER + 1)).toBeNull(); // already expired
    // Every step decided (here: rejected, so the workflow ended) → nothing to remind about.
    let sb = build({ steps: [steps[0]!] }, { mode: 'step_by_step' }).draft;
    sb = applyApproval(sb, { action: 'reject_step', stepId: 'low' }, USER, T0 + 1).draft;
    expect(draftReminder(sb, 0, T0 + 2)).toBeNull();
  });
});

describe('expireDraft', () => {
  it('save_draft keeps the draft undecided and tells clients it expired', () => {
    const d = build({ steps }).draft;
    const t = expireDraft(d, 'save_draft', SYSTEM, LATER)!;
    expect(t.draft.version).toBe(d.version + 1);
    expect(t.draft.state).toBe('created');
    expect(t.draft.steps.map((s) => s.approvalStatus)).toEqual(['draft_pending', 'draft_pending', 'draft_pending']);
    expect(t.draft.expiresAt).toBeUndefined();
    expect(t.draft.expiredAt).toBe(LATER);
    expect(types(t.events)).toEqual(['WORKFLOW_STATUS']);
    expect(t.events[0]!.payload).toMatchObject({ planState: 'created', expired: true });
    expect(SERVER_PAYLOADS.WORKFLOW_STATUS.safeParse(t.events[0]!.payload).success).toBe(true);
    expect(expireDraft(t.draft, 'save_draft', SYSTEM, LATER + 1)).toBeNull(); // fired twice
    // The user may still decide afterwards.
    const a = approveAll(t.draft, LATER + 2).draft;
    expect(a.state).toBe('running');
  });

  it('auto_reject rejects every undecided step; with nothing left the workflow ends cancelled', () => {
    const d = build({ steps }).draft;
    const t = expireDraft(d, 'auto_reject', SYSTEM, LATER)!;
    expect(t.draft.state).toBe('cancelled');
    for (const s of t.draft.steps) expect(s).toMatchObject({ approvalStatus: 'step_rejected', rejectionReason: 'Not approved in time' });
    expect(t.draft.cancelReason).toMatch(/expired/);
    expect(types(t.events)).toEqual(['WORKFLOW_STATUS']);
    expect(t.events[0]!.payload).toMatchObject({ planState: 'cancelled', expired: true });
  });

  it('auto_reject keeps what the user approved and starts it', () => {
    let d = build({ steps }).draft;
    d = applyApproval(d, { action: 'approve_step', stepId: 'low' }, USER, T0 + 1).draft;
    const t = expireDraft(d, 'auto_reject', SYSTEM, LATER)!;
    expect(step(t.draft, 'low').approvalStatus).toBe('step_approved');
    expect(step(t.draft, 'high').rejectionReason).toBe('Not approved in time');
    // The system's decision says so on the wire; the user's own does not.
    const status = t.events.find((e) => e.type === 'WORKFLOW_STATUS')!.payload as { steps: Record<string, unknown>[] };
    expect(status.steps.find((s) => s['id'] === 'high')).toMatchObject({ approvalStatus: 'step_rejected', decidedBy: 'system', rejectionReason: 'Not approved in time' });
    expect(status.steps.find((s) => s['id'] === 'low')).not.toHaveProperty('decidedBy');
    // The user deciding again takes the decision back from the system.
    const redecided = applyApproval(t.draft, { action: 'approve_step', stepId: 'high' }, USER, LATER + 1).draft;
    expect(step(redecided, 'high')).not.toHaveProperty('decidedBy');
    expect(t.draft.state).toBe('running');
    expect(t.enqueue).toEqual([{ stepId: 'low', run: 0 }]);
  });

  it('auto_approve approves only low-risk steps (marked), rejects the rest, and dependents follow their rules', () => {
    const d = build({ steps }).draft;
    const t = expireDraft(d, 'auto_approve', SYSTEM, LATER)!;
    expect(step(t.draft, 'low')).toMatchObject({ approvalStatus: 'step_approved', autoApprovedBy: 'timeout.auto_approve' });
    expect(step(t.draft, 'high')).toMatchObject({
      approvalStatus: 'step_rejected',
      rejectionReason: 'Not approved in time (only low-risk steps are approved automatically)',
    });
    // `after` is low-risk and approved, but its blocking dependency was rejected: skipped by rule.
    expect(step(t.draft, 'after')).toMatchObject({ state: 'skipped', skippedBy: 'high' });
    expect(t.draft.state).toBe('running');
    expect(t.enqueue).toEqual([{ stepId: 'low', run: 0 }]);
    expect(types(t.events)).toEqual(['STEP_EXECUTION', 'WORKFLOW_STATUS']);
    expect(toStatusPayload(t.draft).expired).toBe(true);
    for (const e of t.events) expect(SERVER_PAYLOADS[e.type].safeParse(e.payload).success).toBe(true);
  });

  it('is a no-op unless still a draft with undecided steps', () => {
    const d = build({ steps }).draft;
    expect(expireDraft(approveAll(d).draft, 'auto_reject', SYSTEM, LATER)).toBeNull();
    let all = d;
    for (const id of ['low', 'high', 'after']) all = applyApproval(all, { action: 'approve_step', stepId: id }, USER, T0 + 1).draft;
    expect(expireDraft(all, 'auto_approve', SYSTEM, LATER)).toBeNull();
  });
});
