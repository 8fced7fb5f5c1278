/**
 * Issue 6 §5: fast-check generates thousands of messages per client message type — valid, almost
 * valid and hostile (wrong types, huge strings, deep nesting, binary, `__proto__` and
 * `constructor.prototype` keys) — and sends them over a real socket to a real gateway. Every
 * message is answered with `{ ok: true, ... }` or a structured `{ ok: false, error: { code,
 * message } }` with a protocol code (an `internal` answer counts as a failure: it is an exception
 * the gateway did not expect); the gateway stays up and healthy, the socket stays usable, and no
 * prototype is polluted in the test process or in the gateway.
 *
 * FUZZ_RUNS (default 3000) messages per type; FUZZ_SEED reproduces a run; FUZZ_DEBUG=1 logs slow
 * acknowledgements and the gateway's output.
 */
import fc from 'fast-check';
import { ApprovalPreferencesSchema, CLIENT_MESSAGE_TYPES, ErrorCodeSchema, type ClientMessageType } from '@wfa/protocol';
import { TestClient, isType, tokenFor } from './support/client';
import { newPrefix, startGateway, startWorker, type Proc } from './support/processes';
import { healthStatus } from './support/state';

jest.setTimeout(240_000);

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 3000);
const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const IN_FLIGHT = Number(process.env['FUZZ_IN_FLIGHT'] ?? 24);
const CODES = ErrorCodeSchema.options.filter((c) => c !== 'internal');

let gateway: Awaited<ReturnType<typeof startGateway>>;
let worker: Proc;
let client: TestClient;
/** Workflows of the fuzzing user, so that some messages reach the decision handlers. */
let sessions: string[] = [];
const STEP_IDS = ['s1', 's2', 's3'];

beforeAll(async () => {
  const prefix = newPrefix();
  [gateway, worker] = await Promise.all([
    startGateway(prefix, { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000', MAX_WORKFLOWS_PER_USER: '60', LOG_LEVEL: 'error' }),
    startWorker(prefix, { LOG_LEVEL: 'error' }),
  ]);
  client = await TestClient.connect(gateway.url, tokenFor('fuzzer'));
  for (let i = 0; i < 6; i++) {
    const { sessionId } = await client.sendOk('WORKFLOW_SUBMIT', {
      mode: i % 2 ? 'step_by_step' : 'review_all',
      plan: {
        steps: [
          { id: 's1', type: 'contact', action: 'search_contacts', description: 'find', params: { query: 'Nobody At All' } },
          { id: 's2', type: 'email', action: 'create_draft', description: 'draft', params: { recipient: '{{s1.email}}', subject: 'hi' } },
          { id: 's3', type: 'task', action: 'create_task', description: 'task', params: { title: 'x' }, requires: [{ stepId: 's1', effect: 'enhances', resolution: 'fallback', fallbackValue: 'y' }] },
        ],
      },
    });
    sessions.push(sessionId as string);
  }
  // eslint-disable-next-line no-console
  console.log(`fuzz: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);
});
afterAll(async () => {
  if (process.env['FUZZ_DEBUG']) process.stderr.write(`GATEWAY OUTPUT:\n${gateway?.output().slice(-4000)}\n`);
  client?.close();
  await Promise.all([gateway?.stop(), worker?.stop()]);
});

// ------------------------------------------------------------------------------ hostile values

const TOXIC_KEYS = ['__proto__', 'constructor', 'prototype', 'polluted', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

/** Objects whose own keys are `__proto__` / `constructor.prototype`, as JSON.parse makes them. */
const toxicObject = fc.oneof(
  fc.constant(JSON.parse('{"__proto__":{"polluted":"yes","isAdmin":true}}')),
  fc.constant(JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}')),
  fc.constant(JSON.parse('{"__proto__":{"__proto__":{"polluted":"yes"}}}')),
  fc.constant(JSON.parse('{"prototype":{"polluted":"yes"},"__proto__":[1,2]}')),
  fc.dictionary(fc.constantFrom(...TOXIC_KEYS), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }).map((d) => JSON.parse(JSON.stringify(d))),
);

const deep = fc.tuple(fc.integer({ min: 20, max: 1000 }), fc.constantFrom('array', 'object', 'proto')).map(([depth, kind]) => {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) {
    if (kind === 'array') v = [v];
    else if (kind === 'object') v = { a: v };
    else v = Object.defineProperty({}, '__proto__', { value: v, enumerable: true, writable: true, configurable: true });
  }
  return v;
});

/**
 * Huge strings, from under to well over MAX_MESSAGE_BYTES (64 KB), but under socket.io's frame
 * limit (max(1 MB, 16 × that): 1 MB here): a bigger frame is cut by socket.io itself, which
 * closes the connection (see the last test).
 */
const huge: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 1_000, max: 48_000 }), fc.constantFrom('x', 'é', '😀', '\u0000', '{{s1.email}}', '<script>'))
  .map(([bytes, ch]) => ch.repeat(Math.ceil(bytes / Math.max(Buffer.byteLength(ch), JSON.stringify(ch).length - 2)))); // size as sent (JSON-escaped)
/** One string alone over MAX_MESSAGE_BYTES (64 KB): the gateway's own size limit answers it. */
const oversized = fc.integer({ min: 66_000, max: 200_000 }).map((n) => 'x'.repeat(n));

const weirdScalar = fc.oneof(
  fc.constantFrom(null, true, false, 0, -0, -1, 1.5, Number.MAX_SAFE_INTEGER, 1e308, -1e308, '', ' ', 'null', 'undefined', '__proto__', 'wf_', 'wf_abcd', 'wf_../../etc', '0-0', '99999999999999-0', '-', '+'),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true }),
);

const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: weirdScalar },
  { weight: 3, arbitrary: toxicObject },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: huge },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
  { weight: 2, arbitrary: fc.array(weirdScalar, { maxLength: 5 }) },
);

// ------------------------------------------------------------------------------ valid payloads

const stepId = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...STEP_IDS) }, { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) });
const version = fc.option(fc.nat({ max: 40 }), { nil: undefined });
const params = fc.oneof(fc.record({ title: fc.string({ minLength: 1, maxLength: 30 }) }), fc.record({ subject: fc.string({ maxLength: 30 }) }), fc.constant({}));
const stepInput = fc.record(
  {
    id: fc.constantFrom('a', 'b', 'c'),
    type: fc.constantFrom('task', 'contact', 'email', 'calendar'),
    action: fc.constantFrom('create_task', 'search_contacts', 'create_draft', 'create_event', 'launch_rocket'),
    description: fc.string({ minLength: 1, maxLength: 30 }),
    params,
    dependsOn: fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 2 }),
  },
  { requiredKeys: ['id', 'type', 'action', 'description'] },
);
const strip = <T extends object>(o: T) => JSON.parse(JSON.stringify(o)) as T; // drop undefined fields

const VALID: Record<ClientMessageType, fc.Arbitrary<Record<string, unknown>>> = {
  USER_MESSAGE: fc.record(
    {
      message: fc.oneof(fc.constantFrom('Create a task to call mom', 'Send email to John about the meeting and create a calendar event', 'What is the meaning of life?'), fc.string({ minLength: 1, maxLength: 200 })),
      timezone: fc.constantFrom('UTC', 'Europe/Berlin', 'Not/AZone'),
      localDatetime: fc.constantFrom('2030-01-01T10:00:00', 'yesterday'),
      mode: fc.constantFrom('review_all', 'step_by_step'),
    },
    { requiredKeys: ['message'] },
  ),
  WORKFLOW_SUBMIT: fc.record({ plan: fc.record({ steps: fc.array(stepInput, { minLength: 1, maxLength: 3 }), summary: fc.string({ maxLength: 40 }) }, { requiredKeys: ['steps'] }), mode: fc.constantFrom('review_all', 'step_by_step') }, { requiredKeys: ['plan'] }),
  WORKFLOW_APPROVAL: fc.record(
    { action: fc.constantFrom('approve_all', 'approve_step', 'reject_step', 'modify_step', 'cancel_all'), stepId, modifications: params, reason: fc.string({ maxLength: 40 }), expectedVersion: version },
    { requiredKeys: ['action'] },
  ),
  WORKFLOW_EDIT: fc.oneof(
    fc.record({ operation: fc.constantFrom('modify_params', 'skip_step', 'approve_step', 'reject_step', 'restore_params'), stepId, newParams: params, reason: fc.string({ maxLength: 20 }), expectedVersion: version }, { requiredKeys: ['operation', 'stepId'] }),
    fc.record({ edits: fc.array(fc.record({ operation: fc.constantFrom('modify_params', 'skip_step', 'approve_step', 'reject_step'), stepId, newParams: params }, { requiredKeys: ['operation', 'stepId'] }), { minLength: 1, maxLength: 3 }) }),
  ),
  CONFLICT_RESOLUTION: fc.record({ stepId, option: fc.constantFrom('provide_value', 'skip_dependent', 'reapprove_dependency', 'use_fallback'), value: fc.jsonValue({ maxDepth: 2 }), expectedVersion: version }, { requiredKeys: ['stepId', 'option'] }),
  INTERVENTION_RESPONSE: fc.record({ stepId, option: fc.constantFrom('provide_value', 'skip', 'retry'), value: fc.oneof(fc.string(), fc.record({ email: fc.constant('a@b.c') }), fc.jsonValue({ maxDepth: 2 })), expectedVersion: version }, { requiredKeys: ['stepId', 'option'] }),
  FAILURE_RESOLUTION: fc.record({ action: fc.constantFrom('retry_failed', 'skip_failed', 'rollback_all', 'continue_remaining'), expectedVersion: version }, { requiredKeys: ['action'] }),
  WORKFLOW_SUBSCRIBE: fc.record({ lastEventId: fc.oneof(fc.constantFrom('0-0', '1-0', '99999999999999-0'), fc.string({ maxLength: 64 })) }, { requiredKeys: [] }),
  WORKFLOW_LIST: fc.constant({}),
  WORKFLOW_AUDIT: fc.record({ beforeSeq: fc.integer({ min: -1, max: 100 }), limit: fc.integer({ min: -5, max: 2000 }) }, { requiredKeys: [] }),
  PREFERENCES_GET: fc.constant({}),
  PREFERENCES_SET: fc.record({
    preferences: fc.record(
      {
        autoApprove: fc.record({ lowRiskSteps: fc.boolean(), actionTypes: fc.subarray(['calendar', 'task', 'contact']), maxStepsWithoutConfirmation: fc.nat({ max: 5 }) }, { requiredKeys: [] }),
        notifications: fc.record({ interventionRequired: fc.boolean() }, { requiredKeys: [] }),
        timeout: fc.record({ timeoutMs: fc.integer({ min: 1, max: 10 ** 9 }), defaultAction: fc.constantFrom('auto_approve', 'auto_reject', 'save_draft'), reminderIntervals: fc.array(fc.integer({ min: 1, max: 10 ** 6 }), { maxLength: 3 }) }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    ),
  }),
};

// ------------------------------------------------------------------------------ almost valid

/** One small change to a valid object somewhere in its tree: a wrong type, a missing or extra key. */
function mutate(value: unknown, path: number[], replacement: unknown, op: number): unknown {
  if (value === null || typeof value !== 'object') return replacement;
  const copy: any = Array.isArray(value) ? [...value] : { ...value };
  const keys = Object.keys(copy);
  if (!keys.length || path.length === 0) {
    if (op === 0) return replacement;
    Object.defineProperty(copy, TOXIC_KEYS[op % TOXIC_KEYS.length]!, { value: replacement, enumerable: true, writable: true, configurable: true });
    return copy;
  }
  const key = keys[path[0]! % keys.length]!;
  if (path.length === 1 && op === 1) delete copy[key];
  else copy[key] = mutate(copy[key], path.slice(1), replacement, op);
  return copy;
}

const VALID_SHAPE_HINT = { note: 'oversized' };

function payloadFor(type: ClientMessageType): fc.Arbitrary<unknown> {
  const valid = VALID[type].map(strip);
  const almost = fc.tuple(valid, fc.array(fc.nat(), { maxLength: 4 }), hostile, fc.nat({ max: 9 })).map(([v, path, h, op]) => mutate(v, path, h, op));
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 4, arbitrary: almost }, { weight: 2, arbitrary: hostile }, { weight: 1, arbitrary: oversized.map((big) => ({ ...VALID_SHAPE_HINT, big })) });
}

interface Message {
  event: string;
  body: unknown;
}

function messageFor(type: ClientMessageType): fc.Arbitrary<Message> {
  const sessionId = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...sessions) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.stringMatching(/^wf_[A-Za-z0-9_-]{4,64}$/) },
    { weight: 1, arbitrary: hostile },
  );
  const envelope = fc
    .record({
      payload: payloadFor(type),
      sessionId,
      typeField: fc.oneof({ weight: 8, arbitrary: fc.constant(type) }, { weight: 1, arbitrary: fc.constantFrom(...CLIENT_MESSAGE_TYPES) }, { weight: 1, arbitrary: hostile }),
      timestamp: fc.oneof({ weight: 4, arbitrary: fc.constant(Date.now()) }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: hostile }),
      messageId: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.constantFrom('same-id', '__proto__', 'constructor') }, { weight: 1, arbitrary: hostile }),
      extra: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: toxicObject }),
    })
    .map(({ payload, sessionId: sid, typeField, timestamp, messageId, extra }) => {
      const body: Record<string, unknown> = { type: typeField, payload };
      if (sid !== undefined) body['sessionId'] = sid;
      if (timestamp !== undefined) body['timestamp'] = timestamp;
      if (messageId !== undefined) body['messageId'] = messageId;
      if (extra !== undefined) for (const k of Object.keys(extra)) Object.defineProperty(body, k, { value: extra[k], enumerable: true, writable: true, configurable: true });
      return body;
    });
  return fc.oneof({ weight: 12, arbitrary: envelope }, { weight: 1, arbitrary: hostile }).map((body) => ({ event: type, body }));
}

// ------------------------------------------------------------------------------ the run

function describeAck(ack: unknown): string | null {
  if (!ack || typeof ack !== 'object') return 'the acknowledgement is not an object';
  const a = ack as Record<string, unknown>;
  if (a['ok'] === true) return null;
  if (a['ok'] !== false) return 'ok is neither true nor false';
  const err = a['error'] as Record<string, unknown> | undefined;
  if (!err || typeof err !== 'object') return 'no error object';
  if (!(CODES as string[]).includes(err['code'] as string)) return `unexpected code ${String(err['code'])}`;
  if (typeof err['message'] !== 'string' || !err['message']) return 'no error message';
  const extra = Object.keys(a).filter((k) => k !== 'ok' && k !== 'error');
  if (extra.length) return `extra fields on a refusal: ${extra.join(',')}`;
  return null;
}

const preview = (v: unknown) => {
  try {
    const s = JSON.stringify(v);
    return s.length > 3000 ? `${s.slice(0, 3000)}… (${s.length} chars)` : s;
  } catch {
    return String(v);
  }
};

async function fire(messages: Message[]): Promise<{ failures: string[]; answered: number; codes: Record<string, number> }> {
  const failures: string[] = [];
  const codes: Record<string, number> = {};
  let answered = 0;
  let next = 0;
  const lane = async () => {
    while (next < messages.length) {
      if (!client.socket.connected) {
        failures.push(`the socket was disconnected; ${messages.length - next} messages not sent`);
        next = messages.length;
        return;
      }
      const m = messages[next++]!;
      let ack: unknown;
      const t0 = Date.now();
      try {
        ack = await client.socket.timeout(20_000).emitWithAck(m.event, m.body);
      } catch (err) {
        failures.push(`no acknowledgement (${String(err)}) for ${m.event} ${preview(m.body)}`);
        continue;
      }
      answered++;
      if (process.env['FUZZ_DEBUG'] && Date.now() - t0 > 500) process.stderr.write(`slow ${Date.now() - t0}ms: ${m.event} ${preview(m.body).slice(0, 200)}\n`);
      const problem = describeAck(ack);
      const a = ack as any;
      const key = a?.ok ? 'ok' : String(a?.error?.code);
      codes[key] = (codes[key] ?? 0) + 1;
      if (problem) failures.push(`${problem}: ${m.event} ${preview(m.body)} -> ${preview(ack)}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return { failures, answered, codes };
}

describe.each(CLIENT_MESSAGE_TYPES.map((t) => [t]))('%s', (type) => {
  test(`${RUNS} generated messages: each answered with ok or a structured protocol error`, async () => {
    if (process.env['FUZZ_DEBUG']) process.stderr.write(`sampling ${type}\n`);
    const messages = fc.sample(messageFor(type as ClientMessageType), { numRuns: RUNS, seed: SEED + CLIENT_MESSAGE_TYPES.indexOf(type as ClientMessageType) });
    if (process.env['FUZZ_DEBUG']) process.stderr.write(`sampled ${messages.length}\n`);
    const { failures, answered, codes } = await fire(messages);
    // eslint-disable-next-line no-console
    console.log(`fuzz ${type}: ${JSON.stringify(codes)}`);
    expect(failures.slice(0, 5)).toEqual([]);
    expect(answered).toBe(RUNS);
    // The generators reach past the schema: at least 1% of the messages are accepted, or refused
    // by a handler (not_found, conflict, invalid_plan...), rather than by the schemas.
    expect(answered - (codes['invalid_message'] ?? 0)).toBeGreaterThanOrEqual(RUNS / 100);
    expect(client.socket.connected).toBe(true);
    expect(gateway.child.exitCode).toBeNull();
  });
});

test('afterwards: the gateway is alive and healthy, the socket works, no prototype is polluted', async () => {
  expect(({} as any).polluted).toBeUndefined();
  expect((Object.prototype as any).isAdmin).toBeUndefined();
  expect(gateway.child.exitCode).toBeNull();
  expect(gateway.child.signalCode).toBeNull();
  expect(await healthStatus(gateway.url)).toBe(200);
  expect(client.socket.connected).toBe(true);

  // The same socket still answers normal messages with the right shapes.
  const prefs = await client.sendOk('PREFERENCES_GET', {});
  expect(ApprovalPreferencesSchema.safeParse(prefs['preferences']).success).toBe(true);
  expect(JSON.stringify(prefs)).not.toMatch(/polluted|isAdmin|__proto__/);
  const list = await client.sendOk('WORKFLOW_LIST', {});
  expect(Array.isArray(list['workflows'])).toBe(true);
  for (const w of list['workflows']) expect(w).toEqual(expect.objectContaining({ sessionId: expect.stringMatching(/^wf_/) }));

  // Server-side prototypes: a fresh user on a fresh socket gets default preferences with no extra
  // keys, and a new plan is a plain draft (nothing auto-approved, no stray fields).
  const fresh = await TestClient.connect(gateway.url, tokenFor('after-fuzz'));
  try {
    const p = await fresh.sendOk('PREFERENCES_GET', {});
    expect(ApprovalPreferencesSchema.strict().parse(p['preferences'])).toEqual(p['preferences']);
    expect(p['preferences'].approvalsEnabled).toBe(true);
    expect(p['preferences'].autoApprove.lowRiskSteps).toBe(false);
    const { sessionId } = await fresh.sendOk('WORKFLOW_SUBMIT', { plan: { steps: [{ id: 'x', type: 'task', action: 'create_task', description: 'x', params: { title: 'x' } }] } });
    const draft = await fresh.waitFor(isType('WORKFLOW_DRAFT', sessionId));
    expect(draft.payload.steps.map((s: any) => [s.approvalStatus, s.state, s.params])).toEqual([['draft_pending', 'pending', { title: 'x' }]]);
    expect(JSON.stringify(draft.payload)).not.toMatch(/polluted|isAdmin/);
    const bad = await fresh.send('PREFERENCES_SET', JSON.parse('{"preferences":{"__proto__":{"approvalsEnabled":false}}}'));
    expect(bad.ok).toBe(false);
    expect((await fresh.sendOk('PREFERENCES_GET', {}))['preferences'].approvalsEnabled).toBe(true);
  } finally {
    fresh.close();
  }
});

test('a frame above socket.io\'s own limit closes only that connection; the gateway keeps serving', async () => {
  const victim = await TestClient.connect(gateway.url, tokenFor('oversize'));
  const closed = new Promise((r) => victim.socket.once('disconnect', r));
  victim.socket.emit('USER_MESSAGE', { type: 'USER_MESSAGE', payload: { message: 'x'.repeat(2 * 1024 * 1024) } });
  expect(await closed).toEqual(expect.any(String));
  victim.close();
  expect(gateway.child.exitCode).toBeNull();
  expect(await healthStatus(gateway.url)).toBe(200);
  const again = await TestClient.connect(gateway.url, tokenFor('oversize'));
  try {
    expect((await again.sendOk('WORKFLOW_LIST', {}))['workflows']).toEqual([]);
  } finally {
    again.close();
  }
  expect(client.socket.connected).toBe(true);
});
