/** Shared fixtures for the domain's unit and property tests (not part of the public API). */
import { DEFAULT_LIMITS, DEFAULT_PREFERENCES } from '@wfa/protocol';
import type { ActionStepInput, ApprovalPreferences, WorkflowDraft, WorkflowEvent } from '@wfa/protocol';
import type { Actor, DraftContext, PlanInput, Transition } from './api';
import { buildDraft } from './draft';
import { applyApproval } from './decisions';
import { beginStep, finishStep } from './execution';

export const T0 = 1_704_067_200_000;
export const USER: Actor = { userId: 'u1', roles: [], kind: 'user' };

export function ctx(over: Partial<DraftContext> = {}, prefs: Partial<ApprovalPreferences> = {}): DraftContext {
  return {
    sessionId: 'wf_test1234',
    userId: 'u1',
    timezone: 'UTC',
    mode: 'review_all',
    now: T0,
    preferences: { ...structuredClone(DEFAULT_PREFERENCES), ...prefs },
    limits: DEFAULT_LIMITS,
    draftTtlMs: 2 * 3600 * 1000,
    ...over,
  };
}

export function seedSteps(): ActionStepInput[] {
  return [
    { id: 'contact_lookup_1', type: 'contact', action: 'search_contacts', params: { query: 'John' }, description: 'Look up John in your Google Contacts' },
    {
      id: 'email_draft_1',
      type: 'email',
      action: 'create_draft',
      params: { subject: 'About the meeting', recipient: '{{contact_lookup_1.email}}' },
      description: 'Create email draft to John about the meeting',
    },
    {
      id: 'calendar_event_1',
      type: 'calendar',
      action: 'create_event',
      params: { title: 'Meeting with John', attendees: ['{{contact_lookup_1.email}}'] },
      description: 'Create calendar event for the meeting',
    },
  ];
}

export function seedPlan(): PlanInput {
  return { originalMessage: 'Send email to John about the meeting and create a calendar event', steps: seedSteps() };
}

export const JOHN = { name: 'John Doe', email: 'john.doe@company.com', phone: '+1234567890' };

export function build(plan: PlanInput = seedPlan(), over: Partial<DraftContext> = {}, prefs: Partial<ApprovalPreferences> = {}): Transition {
  return buildDraft(plan, ctx(over, prefs));
}

export function approveAll(d: WorkflowDraft, now = T0 + 1): Transition {
  return applyApproval(d, { action: 'approve_all' }, USER, now);
}

/** Begin then complete a step with `data`; throws when the step may not begin. */
export function runStep(d: WorkflowDraft, stepId: string, data: unknown, now = T0 + 10): { begin: Transition; done: Transition; params: Record<string, unknown> } {
  const step = d.steps.find((s) => s.id === stepId);
  const b = beginStep(d, stepId, step?.run ?? 0, now);
  if (!b || !b.transition || !b.execute) throw new Error(`step ${stepId} could not begin`);
  const done = finishStep(b.transition.draft, stepId, step?.run ?? 0, { kind: 'completed', data, message: 'done' }, now + 1);
  if (!done) throw new Error(`step ${stepId} could not finish`);
  return { begin: b.transition, done, params: b.params };
}

export function types(events: WorkflowEvent[]): string[] {
  return events.map((e) => e.type);
}

export function step(d: WorkflowDraft, id: string) {
  const s = d.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id}`);
  return s;
}

/** The code of the ProtocolError `f` throws, or 'ok' when it does not throw. */
export function errorCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return 'ok';
}
