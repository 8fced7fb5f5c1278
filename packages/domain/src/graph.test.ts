import { DEFAULT_LIMITS } from '@wfa/protocol';
import type { ActionStepInput } from '@wfa/protocol';
import { effectiveDeps } from './graph';
import { build, seedSteps } from './test-helpers';

const task = (id: string, extra: Partial<ActionStepInput> = {}): ActionStepInput => ({
  id,
  type: 'task',
  action: 'create_task',
  params: { title: `task ${id}` },
  description: `Create ${id}`,
  ...extra,
});

function refusal(steps: ActionStepInput[], limits = DEFAULT_LIMITS): { code: string; message: string } {
  try {
    build({ steps }, { limits });
  } catch (e) {
    const err = e as { code: string; message: string };
    return { code: err.code, message: err.message };
  }
  throw new Error('plan was accepted');
}

describe('plan validation (buildDraft)', () => {
  it('names a cycle', () => {
    const r = refusal([task('a', { dependsOn: ['b'] }), task('b', { dependsOn: ['c'] }), task('c', { dependsOn: ['a'] })]);
    expect(r.code).toBe('invalid_plan');
    expect(r.message).toContain('a -> b -> c -> a');
  });

  it('finds cycles made by templates and requires', () => {
    const r = refusal([
      task('a', { params: { title: '{{b.title}}' } }),
      task('b', { requires: [{ stepId: 'a', effect: 'optional', resolution: 'skip' }] }),
    ]);
    expect(r).toMatchObject({ code: 'invalid_plan' });
    expect(r.message).toContain('a -> b -> a');
  });

  it.each([
    ['self dependency', [task('a', { dependsOn: ['a'] })], /depends on itself/],
    ['self template', [task('a', { params: { title: 'x {{a.title}}' } })], /depends on itself/],
    ['unknown dependency', [task('a', { dependsOn: ['zz'] })], /unknown step "zz"/],
    ['template to an unknown step', [task('a', { params: { title: '{{ghost.title}}' } })], /unknown step "ghost"/],
    [
      'unknown condition step',
      [task('a'), task('b', { requires: [{ stepId: 'a', effect: 'blocks', resolution: 'skip', condition: { stepId: 'q', field: 'x', operator: 'exists' } }] })],
      /unknown step "q"/,
    ],
    ['duplicate ids', [task('a'), task('a')], /Duplicate step id "a"/],
    ['unknown action', [{ ...task('a'), action: 'launch_rocket' }], /unknown action "launch_rocket"/],
    ['action of another type', [{ ...task('a'), type: 'email' as const }], /not a email action/],
    ['missing param', [{ ...task('a'), params: {} }], /title/],
    ['unknown param', [{ ...task('a'), params: { title: 't', colour: 'red' } }], /colour|Unrecognized/i],
    ['invalid param', [{ id: 'e', type: 'email', action: 'send_email', params: { recipient: 'nope', subject: 's' }, description: 'd' } as ActionStepInput], /recipient/],
    ['bad step id', [task('a b')], /malformed/],
  ])('refuses %s', (_name, steps, message) => {
    const r = refusal(steps as ActionStepInput[]);
    expect(r.code).toBe('invalid_plan');
    expect(r.message).toMatch(message);
  });

  it('refuses prototype keys in params', () => {
    expect(refusal([task('a', { params: JSON.parse('{"title":"t","__proto__":{"x":1}}') })]).code).toBe('invalid_message');
  });

  it('enforces the depth limit (longest chain of edges)', () => {
    const chain = (n: number) => Array.from({ length: n }, (_, i) => task(`s${i}`, i > 0 ? { dependsOn: [`s${i - 1}`] } : {}));
    const limits = { ...DEFAULT_LIMITS, maxDependencyDepth: 3 };
    expect(() => build({ steps: chain(4) }, { limits })).not.toThrow(); // 3 edges
    const r = refusal(chain(5), limits);
    expect(r.code).toBe('invalid_plan');
    expect(r.message).toMatch(/4 dependencies deep \(5 steps in a row\); the limit is 3 dependencies/);
  });

  it('enforces the step limit', () => {
    const steps = Array.from({ length: 4 }, (_, i) => task(`s${i}`));
    expect(refusal(steps, { ...DEFAULT_LIMITS, maxStepsPerWorkflow: 3 }).code).toBe('limit_exceeded');
  });

  it('accepts the seed plan', () => {
    expect(build({ steps: seedSteps() }).draft.steps).toHaveLength(3);
  });
});

describe('effective dependencies', () => {
  it('bare dependsOn = blocks + ask_user; template adds its field; explicit requires win', () => {
    const deps = effectiveDeps({
      id: 'x',
      params: { notes: 'call {{a.phone}} or {{b.email}}', title: '{{c.title}}' },
      dependsOn: ['a', 'd'],
      requires: [{ stepId: 'b', effect: 'enhances', resolution: 'fallback', fallbackValue: 'x@y.z' }],
    });
    const by = Object.fromEntries(deps.map((d) => [d.stepId, d]));
    expect(by['a']).toMatchObject({ effect: 'blocks', resolution: 'ask_user', field: 'phone', explicit: false });
    expect(by['d']).toMatchObject({ effect: 'blocks', resolution: 'ask_user', explicit: false });
    expect(by['d']!.field).toBeUndefined();
    expect(by['b']).toMatchObject({ effect: 'enhances', resolution: 'fallback', field: 'email', hasFallback: true, fallbackValue: 'x@y.z' });
    expect(by['c']).toMatchObject({ effect: 'blocks', resolution: 'ask_user', field: 'title' });
  });

  it('finds templates in nested arrays', () => {
    const deps = effectiveDeps({ id: 'x', params: { attendees: ['{{a.email}}', 'b@c.de'] } });
    expect(deps.map((d) => [d.stepId, d.field])).toEqual([['a', 'email']]);
  });
});
