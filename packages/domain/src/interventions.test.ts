import { SERVER_PAYLOADS, DRAFT_PARAM_SCHEMAS } from '@wfa/protocol';
import type { ActionStepInput, WorkflowDraft } from '@wfa/protocol';
import type { StepOutcome } from './api';
import { beginStep, expireIntervention, finishStep } from './execution';
import { PRIMARY_TEXT_PARAM, respondToIntervention } from './interventions';
import { errorCode, JOHN, T0, USER, approveAll, build, runStep, seedSteps, step, types } from './test-helpers';

const NOT_FOUND: StepOutcome = {
  kind: 'intervention',
  reason: "Contact not found. Please provide John's email address:",
  options: ['Enter email address', 'Skip this step', 'Search with different name'],
  timeoutSec: 300,
  entityToResolve: { type: 'PERSON', value: 'John' },
};

/** The seed scenario up to the question: approve all, the lookup runs and finds nobody. */
function askedAboutJohn(steps?: ActionStepInput[]): WorkflowDraft {
  const r = approveAll(build(steps ? { steps } : undefined).draft).draft;
  const b = beginStep(r, 'contact_lookup_1', 0, T0 + 1)!.transition!.draft;
  const i = finishStep(b, 'contact_lookup_1', 0, NOT_FOUND, T0 + 2)!;
  expect(i.draft.state).toBe('waiting_intervention');
  return i.draft;
}

const code = errorCode;

describe('respondToIntervention', () => {
  it('takes the offered labels as answers (SPEC §5: "one of the options an intervention offered")', () => {
    const d = askedAboutJohn();
    const byLabel = respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'Enter email address', value: 'john@x.com' }, USER, T0 + 3);
    const byName = respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'provide_value', value: 'john@x.com' }, USER, T0 + 3);
    expect(byLabel.draft).toEqual(byName.draft);
    expect(step(respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'Skip this step' }, USER, T0 + 3).draft, 'contact_lookup_1').state).toBe('skipped');
    const again = respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'Search with different name', value: 'Johnny' }, USER, T0 + 3);
    expect(again.enqueue).toEqual([{ stepId: 'contact_lookup_1', run: 1 }]);
    // A label that was not offered is refused, naming what was.
    expect(() => respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'Call John' }, USER, T0 + 3)).toThrow(
      expect.objectContaining({ code: 'invalid_message', message: expect.stringContaining('Enter email address') }),
    );
  });

  it("a user_intervention step's choices are answers in themselves, whatever words they contain", () => {
    const options = ['Country house', 'Data center', 'Skip dessert, go to the cinema'];
    const steps: ActionStepInput[] = [{ id: 'q', type: 'system', action: 'user_intervention', params: { reason: 'Where should we meet?', options }, description: 'Ask where to meet' }];
    const r = approveAll(build({ steps }).draft).draft;
    const b = beginStep(r, 'q', 0, T0 + 1)!.transition!.draft;
    const asked = finishStep(b, 'q', 0, { kind: 'intervention', reason: 'Where?', options, timeoutSec: 300 }, T0 + 2)!.draft;
    for (const option of options) {
      const t = respondToIntervention(asked, { stepId: 'q', option }, USER, T0 + 3);
      expect(step(t.draft, 'q')).toMatchObject({ state: 'completed', result: { data: { value: option } } });
    }
  });

  it('retry with a new name: the lookup and the steps that name the person say whom it looks up now', () => {
    const d = askedAboutJohn();
    const t = respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'retry', value: 'Johnny' }, USER, T0 + 3);
    expect(step(t.draft, 'contact_lookup_1').userFriendlyDescription).toMatch(/Johnny/);
    expect(step(t.draft, 'email_draft_1').userFriendlyDescription).toMatch(/Johnny/);
    // The run that follows says so too: its "running" message and its result name Johnny.
    const again = beginStep(t.draft, 'contact_lookup_1', 1, T0 + 4)!.transition!;
    const running = again.events.find((e) => e.type === 'STEP_EXECUTION')!;
    expect(running.payload).toMatchObject({ status: 'running', message: expect.stringMatching(/Johnny/) });
    expect(running.payload.message).not.toMatch(/\bJohn\b/);
    const done = finishStep(again.draft, 'contact_lookup_1', 1, { kind: 'completed', data: JOHN, message: 'found' }, T0 + 5)!;
    expect(step(done.draft, 'contact_lookup_1').result?.description).toMatch(/Johnny/);
  });

  it('a choice offered as a label is provided as the value', () => {
    const d = askedAboutJohn();
    const choices = { ...d, steps: d.steps.map((s) => (s.id === 'contact_lookup_1' ? { ...s, interventionRequired: { ...s.interventionRequired!, options: ['john@home.org', 'john@work.org'] } } : s)) };
    const t = respondToIntervention(choices, { stepId: 'contact_lookup_1', option: 'john@work.org' }, USER, T0 + 4);
    expect(step(t.draft, 'contact_lookup_1').result).toMatchObject({ success: true, data: { email: 'john@work.org' } });
  });

  it('seed: provide_value "john@x.com" becomes the lookup result and the email draft runs with it', () => {
    const d = askedAboutJohn();
    const t = respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'provide_value', value: 'john@x.com' }, USER, T0 + 3);
    expect(t.draft.version).toBe(d.version + 1);
    const lookup = step(t.draft, 'contact_lookup_1');
    expect(lookup.state).toBe('completed');
    expect(lookup.interventionRequired).toBeUndefined();
    expect(lookup.result).toMatchObject({ success: true, message: 'Provided by you', data: { email: 'john@x.com', value: 'john@x.com' } });
    expect(t.draft.executionContext.stepResults['contact_lookup_1']).toEqual({ email: 'john@x.com', value: 'john@x.com' });
    expect(t.draft.state).toBe('running');
    expect(t.enqueue).toEqual([
      { stepId: 'email_draft_1', run: 0 },
      { stepId: 'calendar_event_1', run: 0 },
    ]);
    expect(types(t.events)).toEqual(['STEP_EXECUTION', 'WORKFLOW_STATUS']);
    const ev = t.events[0]!;
    expect(ev.payload).toMatchObject({ stepId: 'contact_lookup_1', status: 'completed', nextStepId: 'email_draft_1' });
    for (const e of t.events) expect(SERVER_PAYLOADS[e.type].safeParse(e.payload).success).toBe(true);

    const email = beginStep(t.draft, 'email_draft_1', 0, T0 + 4)!;
    expect(email.execute).toBe(true);
    expect(email.params).toEqual({ subject: 'About the meeting', recipient: 'john@x.com' });
    const cal = beginStep(email.transition!.draft, 'calendar_event_1', 0, T0 + 5)!;
    expect(cal.params).toEqual({ title: 'Meeting with John', attendees: ['john@x.com'] });
  });

  it('an object value is the result itself; prototype keys and empty values are refused', () => {
    const d = askedAboutJohn();
    const t = respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'provide_value', value: { ...JOHN } }, USER, T0 + 3);
    expect(step(t.draft, 'contact_lookup_1').result?.data).toEqual(JOHN);
    expect(code(() => respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'provide_value', value: JSON.parse('{"__proto__":{"x":1}}') }, USER, T0))).toBe('invalid_message');
    expect(code(() => respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'provide_value', value: { constructor: 1 } }, USER, T0))).toBe('invalid_message');
    expect(code(() => respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'provide_value' }, USER, T0))).toBe('invalid_message');
    expect(code(() => respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'provide_value', value: '  ' }, USER, T0))).toBe('invalid_message');
    expect(code(() => respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'provide_value', value: [1] }, USER, T0))).toBe('invalid_message');
  });

  it('a value that cannot be what a dependent needs is refused up front', () => {
    const d = askedAboutJohn();
    const c = code(() => respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'provide_value', value: 'John Smith' }, USER, T0 + 3));
    expect(c).toBe('invalid_message');
  });

  it('refuses unknown steps, steps not waiting, stale versions and finished workflows', () => {
    const d = askedAboutJohn();
    expect(code(() => respondToIntervention(d, { stepId: 'ghost', option: 'skip' }, USER, T0))).toBe('not_found');
    expect(code(() => respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'skip', value: 'x' }, USER, T0))).toBe('invalid_message');
    expect(code(() => respondToIntervention(d, { stepId: 'email_draft_1', option: 'skip' }, USER, T0))).toBe('invalid_state');
    expect(code(() => respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'skip', expectedVersion: d.version - 1 }, USER, T0))).toBe('conflict');
    const draft = build().draft;
    expect(code(() => respondToIntervention(draft, { stepId: 'contact_lookup_1', option: 'skip' }, USER, T0))).toBe('invalid_state');
    const ok = respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'skip', expectedVersion: d.version }, USER, T0);
    expect(ok.draft.version).toBe(d.version + 1);
  });

  it('skip: the step is skipped by the user and dependents follow their rules (ask_user → conflict)', () => {
    const d = askedAboutJohn();
    const t = respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'skip' }, USER, T0 + 3);
    const s = step(t.draft, 'contact_lookup_1');
    expect(s.state).toBe('skipped');
    expect(s.skippedBy).toBeUndefined();
    expect(s.interventionRequired).toBeUndefined();
    expect(t.enqueue).toEqual([]);
    expect(t.draft.conflicts.map((c) => c.stepId)).toEqual(['email_draft_1', 'calendar_event_1']);
    // The step ran, so it cannot be brought back by re-approving it.
    expect(t.draft.conflicts[0]!.options.map((o) => o.action)).not.toContain('reapprove_dependency');
    expect(types(t.events)).toEqual(['STEP_EXECUTION', 'DEPENDENCY_CONFLICT', 'WORKFLOW_STATUS']);
    expect(t.events[0]!.payload).toMatchObject({ status: 'skipped', message: 'Skipped by you' });
  });

  it('skip: a blocks+skip dependent is skipped and the workflow finishes', () => {
    const steps: ActionStepInput[] = [
      { id: 'contact_lookup_1', type: 'contact', action: 'search_contacts', params: { query: 'John' }, description: 'Look up John' },
      {
        id: 'mail',
        type: 'email',
        action: 'create_draft',
        params: { recipient: '{{contact_lookup_1.email}}', subject: 'Hi' },
        description: 'Draft',
        requires: [{ stepId: 'contact_lookup_1', effect: 'blocks', resolution: 'skip' }],
      },
    ];
    const t = respondToIntervention(askedAboutJohn(steps), { stepId: 'contact_lookup_1', option: 'skip' }, USER, T0 + 3);
    expect(step(t.draft, 'mail')).toMatchObject({ state: 'skipped', skippedBy: 'contact_lookup_1' });
    expect(t.draft.state).toBe('completed');
  });

  it('retry with a string replaces the query; a new run is enqueued and the old one is stale', () => {
    const d = askedAboutJohn();
    const t = respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'retry', value: 'Jonathan' }, USER, T0 + 3);
    const s = step(t.draft, 'contact_lookup_1');
    expect(s).toMatchObject({ state: 'pending', run: 1, params: { query: 'Jonathan' }, originalParams: { query: 'John' }, isModified: true, approvalStatus: 'step_approved' });
    expect(s.interventionRequired).toBeUndefined();
    expect(t.enqueue).toEqual([{ stepId: 'contact_lookup_1', run: 1 }]);
    expect(t.draft.state).toBe('running');
    expect(t.events[0]!.payload).toMatchObject({ stepId: 'contact_lookup_1', status: 'pending' });
    expect(beginStep(t.draft, 'contact_lookup_1', 0, T0 + 4)).toBeNull();
    expect(expireIntervention(t.draft, 'contact_lookup_1', 0, T0 + 4)).toBeNull();
    const done = runStep(t.draft, 'contact_lookup_1', JOHN, T0 + 5).done;
    expect(done.enqueue.map((x) => x.stepId)).toEqual(['email_draft_1', 'calendar_event_1']);
  });

  it('retry with an object merges validated params; unknown keys are invalid_plan; no value retries as is', () => {
    const d = askedAboutJohn();
    const t = respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'retry', value: { query: 'J. Doe' } }, USER, T0 + 3);
    expect(step(t.draft, 'contact_lookup_1').params).toEqual({ query: 'J. Doe' });
    expect(code(() => respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'retry', value: { nope: 1 } }, USER, T0))).toBe('invalid_plan');
    expect(code(() => respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'retry', value: JSON.parse('{"__proto__":{"query":"x"}}') }, USER, T0))).toBe('invalid_message');
    expect(code(() => respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'retry', value: 42 }, USER, T0))).toBe('invalid_message');
    const same = respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'retry' }, USER, T0 + 3);
    expect(step(same.draft, 'contact_lookup_1')).toMatchObject({ run: 1, params: { query: 'John' }, isModified: false });
  });

  it('the plan stays waiting while another step still waits on the user', () => {
    const steps: ActionStepInput[] = [
      { id: 'a', type: 'contact', action: 'search_contacts', params: { query: 'A' }, description: 'A' },
      { id: 'b', type: 'contact', action: 'search_contacts', params: { query: 'B' }, description: 'B' },
    ];
    let d = approveAll(build({ steps }).draft).draft;
    for (const id of ['a', 'b']) {
      d = beginStep(d, id, 0, T0 + 1)!.transition!.draft;
      d = finishStep(d, id, 0, NOT_FOUND, T0 + 2)!.draft;
    }
    const one = respondToIntervention(d, { stepId: 'a', option: 'provide_value', value: 'a@x.com' }, USER, T0 + 3);
    expect(one.draft.state).toBe('waiting_intervention');
    const two = respondToIntervention(one.draft, { stepId: 'b', option: 'skip' }, USER, T0 + 4);
    expect(two.draft.state).toBe('completed');
  });

  it('user_intervention: a string answer fills {{ask.value}}', () => {
    const steps: ActionStepInput[] = [
      { id: 'ask', type: 'system', action: 'user_intervention', params: { reason: 'Which room?', options: ['Blue', 'Red'] }, description: 'Ask' },
      { id: 'note', type: 'task', action: 'create_task', params: { title: 'Book room {{ask.value}}' }, description: 'Book' },
    ];
    let d = approveAll(build({ steps }).draft).draft;
    d = beginStep(d, 'ask', 0, T0 + 1)!.transition!.draft;
    d = finishStep(d, 'ask', 0, { kind: 'intervention', reason: 'Which room?', options: ['Blue', 'Red'], timeoutSec: 60 }, T0 + 2)!.draft;
    const t = respondToIntervention(d, { stepId: 'ask', option: 'provide_value', value: 'Blue' }, USER, T0 + 3);
    expect(beginStep(t.draft, 'note', 0, T0 + 4)!.params).toEqual({ title: 'Book room Blue' });
  });

  it('PRIMARY_TEXT_PARAM names a required param of each action', () => {
    for (const [action, key] of Object.entries(PRIMARY_TEXT_PARAM)) {
      const r = DRAFT_PARAM_SCHEMAS[action as keyof typeof DRAFT_PARAM_SCHEMAS].safeParse({});
      const missing = r.success ? [] : r.error.issues.map((i) => String(i.path[0]));
      expect(missing).toContain(key);
    }
  });
  it('a template field path is at most 200 characters: an answer never nests data deeper than that', () => {
    const path = (segments: number) => Array.from({ length: segments }, () => 'x').join('.');
    const withBody = (body: string): ActionStepInput[] => {
      const [lookup, email, cal] = seedSteps();
      return [lookup!, { ...email!, params: { ...email!.params, body } }, cal!];
    };
    // 100 segments (199 characters): a template; the answer fills the whole path and the workflow
    // goes on (every later transition copies the draft).
    const d = askedAboutJohn(withBody(`Hello {{contact_lookup_1.${path(100)}}}`));
    const t = respondToIntervention(d, { stepId: 'contact_lookup_1', option: 'provide_value', value: 'john@x.com' }, USER, T0 + 3);
    const email = beginStep(t.draft, 'email_draft_1', 0, T0 + 4)!;
    expect(email.execute).toBe(true);
    expect(email.params['body']).toBe('Hello john@x.com');
    // 1,000 segments: not a template but text, so nothing reads it from the lookup.
    const long = `Hello {{contact_lookup_1.${path(1000)}}}`;
    const d2 = askedAboutJohn(withBody(long));
    const t2 = respondToIntervention(d2, { stepId: 'contact_lookup_1', option: 'provide_value', value: 'john@x.com' }, USER, T0 + 3);
    expect(t2.draft.executionContext.stepResults['contact_lookup_1']).toEqual({ email: 'john@x.com', value: 'john@x.com' });
    expect(beginStep(t2.draft, 'email_draft_1', 0, T0 + 4)!.params['body']).toBe(long);
    // As a whole-template value the same path is refused with the plan.
    const [lookup, email2, cal] = seedSteps();
    const plan = [lookup!, { ...email2!, params: { ...email2!.params, recipient: `{{contact_lookup_1.${path(1000)}}}` } }, cal!];
    expect(code(() => build({ steps: plan }))).toBe('invalid_plan');
  });
});
