import fc from 'fast-check';
import { CLIENT_PAYLOADS, ClientEnvelopeSchema, WorkflowEditPayloadSchema } from './messages';
import { ALL_ACTIONS, DRAFT_PARAM_SCHEMAS, RESOLVED_PARAM_SCHEMAS, isActionName, actionBelongsToType } from './catalog';
import { ActionStepInputSchema } from './model';
import { MAX_MESSAGE_DEPTH, findForbiddenKey, findRawMessageProblem } from './forbidden-keys';
import { ApprovalPreferencesPatchSchema, DEFAULT_PREFERENCES, ApprovalPreferencesSchema } from './preferences';

describe('catalog', () => {
  test('every action has draft and resolved param schemas', () => {
    for (const a of ALL_ACTIONS) {
      expect(DRAFT_PARAM_SCHEMAS[a]).toBeDefined();
      expect(RESOLVED_PARAM_SCHEMAS[a]).toBeDefined();
    }
    expect(isActionName('launch_rocket')).toBe(false);
    expect(actionBelongsToType('email', 'send_email')).toBe(true);
    expect(actionBelongsToType('task', 'send_email')).toBe(false);
  });

  test('drafts accept whole-value templates where execution does not', () => {
    const params = { subject: 'About the meeting', recipient: '{{contact_lookup_1.email}}' };
    expect(DRAFT_PARAM_SCHEMAS.create_draft.safeParse(params).success).toBe(true);
    expect(RESOLVED_PARAM_SCHEMAS.create_draft.safeParse(params).success).toBe(false);
    expect(RESOLVED_PARAM_SCHEMAS.create_draft.safeParse({ ...params, recipient: 'john@x.com' }).success).toBe(true);
    expect(DRAFT_PARAM_SCHEMAS.create_event.safeParse({ title: 'x', attendees: ['{{c.email}}'] }).success).toBe(true);
  });

  test('unknown, missing and mistyped params are refused', () => {
    expect(DRAFT_PARAM_SCHEMAS.create_task.safeParse({ title: 'x', colour: 'red' }).success).toBe(false);
    expect(DRAFT_PARAM_SCHEMAS.send_email.safeParse({ subject: 'x' }).success).toBe(false);
    expect(DRAFT_PARAM_SCHEMAS.create_event.safeParse({ title: 'x', start: 'tomorrow' }).success).toBe(false);
    expect(DRAFT_PARAM_SCHEMAS.create_event.safeParse({ title: 'x', start: '2026-11-25T15:00:00+01:00' }).success).toBe(true);
  });

  test('times must exist: no 30 February, no 25 o\'clock (Date.parse would roll them over)', () => {
    const ok = (start: string) => DRAFT_PARAM_SCHEMAS.create_event.safeParse({ title: 'x', start }).success;
    expect(ok('2030-02-30T10:00:00Z')).toBe(false);
    expect(ok('2030-04-31')).toBe(false);
    expect(ok('2030-01-01T24:30:00Z')).toBe(false);
    expect(ok('2030-01-01T10:60:00Z')).toBe(false);
    expect(ok('2028-02-29T10:00:00Z')).toBe(true); // a leap day
    expect(ok('2030-01-01')).toBe(true);
    expect(DRAFT_PARAM_SCHEMAS.create_task.safeParse({ title: 'x', due: '2030-02-31' }).success).toBe(false);
  });

  test('a range of two literal times must end after it starts; templates are checked once resolved', () => {
    const ev = (start: string, end: string) => DRAFT_PARAM_SCHEMAS.create_event.safeParse({ title: 'x', start, end });
    const r = ev('2030-01-01T10:00:00Z', '2030-01-01T09:00:00Z');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ['end'], message: 'must be after start' });
    expect(ev('2030-01-01T10:00:00Z', '2030-01-01T10:00:00Z').success).toBe(false);
    expect(ev('2030-01-01T10:00:00Z', '2030-01-01T10:30:00+00:00').success).toBe(true);
    expect(ev('2030-01-01T10:00:00Z', '{{a.end}}').success).toBe(true);
    expect(RESOLVED_PARAM_SCHEMAS.find_free_time.safeParse({ from: '2030-01-02', to: '2030-01-01' }).success).toBe(false);
    expect(RESOLVED_PARAM_SCHEMAS.list_events.safeParse({ from: '2030-01-01', to: '2030-01-02' }).success).toBe(true);
  });
});

describe('catalog: lines, addresses and folders', () => {
  const ok = (action: keyof typeof RESOLVED_PARAM_SCHEMAS, params: unknown) => RESOLVED_PARAM_SCHEMAS[action].safeParse(params).success;

  test('a subject or title is one line: a line break would become another mail header', () => {
    expect(ok('send_email', { recipient: 'a@b.co', subject: 'Meeting notes' })).toBe(true);
    expect(ok('send_email', { recipient: 'a@b.co', subject: 'hi\r\nBcc: evil@x.com' })).toBe(false);
    expect(ok('create_draft', { recipient: 'a@b.co', subject: 'a\nb' })).toBe(false);
    expect(ok('create_event', { title: 'Lunch\u0000' })).toBe(false);
    expect(ok('create_task', { title: 'Call\tmom' })).toBe(false);
    // A body may have as many lines as it likes.
    expect(ok('send_email', { recipient: 'a@b.co', subject: 'Hi', body: 'line 1\r\nline 2' })).toBe(true);
  });

  test('addresses keep to RFC 5321 lengths: 64 before the @, 254 in all', () => {
    expect(ok('send_email', { recipient: `${'x'.repeat(64)}@example.org`, subject: 's' })).toBe(true);
    expect(ok('send_email', { recipient: `${'x'.repeat(65)}@example.org`, subject: 's' })).toBe(false);
    expect(ok('create_contact', { name: 'X', email: `x@${'d'.repeat(250)}.org` })).toBe(false);
    expect(ok('create_event', { title: 'T', attendees: [`${'x'.repeat(1000)}@example.org`] })).toBe(false);
  });

  test('a mail folder is one the workspace has, by any of its names', () => {
    for (const folder of ['inbox', 'Sent', ' sent mail ', 'outbox', 'drafts', 'draft']) expect(ok('fetch_emails', { folder })).toBe(true);
    for (const folder of ['../../etc', 'spam', 'constructor', '__proto__', '']) expect(ok('fetch_emails', { folder })).toBe(false);
    // In a draft, a template may still stand for it (checked again once resolved).
    expect(DRAFT_PARAM_SCHEMAS.fetch_emails.safeParse({ folder: '{{ask_1.folder}}' }).success).toBe(true);
  });
});

describe('client messages', () => {
  test('the seed approval message parses', () => {
    const env = ClientEnvelopeSchema.parse({ type: 'WORKFLOW_APPROVAL', sessionId: 'wf_123abc', payload: { action: 'reject_step', stepId: 'contact_lookup_1', reason: 'I know it' }, timestamp: 1 });
    expect(CLIENT_PAYLOADS.WORKFLOW_APPROVAL.parse(env.payload)).toMatchObject({ action: 'reject_step' });
  });

  test('localDatetime is an ISO 8601 date-time', () => {
    const msg = (localDatetime: string) => CLIENT_PAYLOADS.USER_MESSAGE.safeParse({ message: 'hi', localDatetime }).success;
    expect(msg('2030-01-01T10:00:00')).toBe(true);
    expect(msg('2030-01-01T10:00:00.123Z')).toBe(true);
    expect(msg('2030-01-01T10:00+02:00')).toBe(true);
    expect(msg('garbage')).toBe(false);
    expect(msg('yesterday')).toBe(false);
    expect(msg('2030-13-45T99:99:00')).toBe(false);
    expect(msg('2030-02-31T10:00:00')).toBe(false);
    expect(msg('2028-02-29T23:59:59')).toBe(true);
    expect(msg('2030-01-01T24:00:00')).toBe(false);
  });

  test('edits come single or as the seed batch form', () => {
    expect(WorkflowEditPayloadSchema.safeParse({ operation: 'modify_params', stepId: 'a', newParams: { subject: 'x' } }).success).toBe(true);
    expect(WorkflowEditPayloadSchema.safeParse({ edits: [{ operation: 'skip_step', stepId: 'a' }] }).success).toBe(true);
    expect(WorkflowEditPayloadSchema.safeParse({ edits: [] }).success).toBe(false);
  });

  test('step ids are restricted to a safe alphabet', () => {
    const step = { id: 'a', type: 'task', action: 'create_task', description: 'x', params: { title: 'x' } };
    expect(ActionStepInputSchema.safeParse(step).success).toBe(true);
    for (const id of ['', 'a b', 'a:b', '{x}', '__proto__x'.padEnd(80, 'x')]) {
      expect(ActionStepInputSchema.safeParse({ ...step, id }).success).toBe(false);
    }
  });

  test('property: any input to any payload schema yields a result, never a throw', () => {
    fc.assert(
      fc.property(fc.constantFrom(...(Object.keys(CLIENT_PAYLOADS) as (keyof typeof CLIENT_PAYLOADS)[])), fc.anything(), (type, input) => {
        const r = CLIENT_PAYLOADS[type].safeParse(input);
        expect(typeof r.success).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('preferences', () => {
  test('defaults are valid and a patch refuses unknown keys', () => {
    expect(ApprovalPreferencesSchema.safeParse(DEFAULT_PREFERENCES).success).toBe(true);
    expect(ApprovalPreferencesPatchSchema.safeParse({ autoApprove: { lowRiskSteps: true } }).success).toBe(true);
    expect(ApprovalPreferencesPatchSchema.safeParse({ autoApprove: { bogus: true } }).success).toBe(false);
    expect(ApprovalPreferencesPatchSchema.safeParse({ timeout: { timeoutMs: 0 } }).success).toBe(false);
    // specificActions names catalog actions only.
    expect(ApprovalPreferencesPatchSchema.safeParse({ autoApprove: { specificActions: ['create_event', 'send_email'] } }).success).toBe(true);
    expect(ApprovalPreferencesPatchSchema.safeParse({ autoApprove: { specificActions: ['not_an_action'] } }).success).toBe(false);
  });
});

describe('findForbiddenKey', () => {
  test('finds __proto__, constructor and prototype as JSON.parse makes them, at any depth', () => {
    expect(findForbiddenKey(JSON.parse('{"a":{"b":[{"c":1},{"__proto__":{"x":1}}]}}'))).toBe('a.b[1].__proto__');
    expect(findForbiddenKey(JSON.parse('{"constructor":{"prototype":{}}}'))).toBe('constructor');
    expect(findForbiddenKey({ a: 'constructor', b: ['__proto__'] })).toBeUndefined(); // values are fine
    expect(findForbiddenKey('x')).toBeUndefined();
  });

  test('walks 30,000 levels without overflowing the stack', () => {
    const deep = JSON.parse('{"a":'.repeat(30_000) + '{"__proto__":1}' + '}'.repeat(30_000));
    expect(findForbiddenKey(deep)?.endsWith('.a.__proto__')).toBe(true);
  });
});

describe('findRawMessageProblem', () => {
  const nested = (levels: number): unknown => {
    let v: unknown = 'leaf';
    for (let i = 0; i < levels; i++) v = [v];
    return v;
  };

  test('counts the message itself as level 1 and refuses the first level past the limit', () => {
    expect(findRawMessageProblem(nested(MAX_MESSAGE_DEPTH), MAX_MESSAGE_DEPTH)).toBeUndefined();
    const problem = findRawMessageProblem(nested(MAX_MESSAGE_DEPTH + 1), MAX_MESSAGE_DEPTH);
    expect(problem?.kind).toBe('too_deep');
    expect(problem?.path).toBe('[0]'.repeat(MAX_MESSAGE_DEPTH));
  });

  test('finds nesting too deep for JSON.stringify, without overflowing the stack itself', () => {
    const deep = nested(200_000);
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(findRawMessageProblem({ payload: { value: deep } }, MAX_MESSAGE_DEPTH)?.kind).toBe('too_deep');
  });

  test('reports a forbidden key above the depth limit, and nothing for plain data', () => {
    expect(findRawMessageProblem(JSON.parse('{"payload":{"__proto__":{}}}'), MAX_MESSAGE_DEPTH)).toEqual({ kind: 'forbidden_key', path: 'payload.__proto__' });
    expect(findRawMessageProblem({ type: 'WORKFLOW_LIST', payload: {}, messageId: 'm1' }, MAX_MESSAGE_DEPTH)).toBeUndefined();
  });
});

describe('preferences patch', () => {
  test('refuses the same reminder interval twice, naming the field', () => {
    const r = ApprovalPreferencesPatchSchema.safeParse({ timeout: { timeoutMs: 3000, reminderIntervals: [2000, 1000, 1000] } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ['timeout', 'reminderIntervals'], message: 'reminderIntervals lists the same interval twice' });
    expect(ApprovalPreferencesPatchSchema.safeParse({ timeout: { reminderIntervals: [2000, 1000] } }).success).toBe(true);
  });
});
