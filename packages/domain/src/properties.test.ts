/**
 * Property tests over random DAGs, random decisions and random outcomes (fast-check).
 * The driver plays gateway + queue + worker: it keeps the set of queued jobs from each
 * transition's enqueue/cancel and runs them in random interleavings.
 */
import fc from 'fast-check';
import { ProtocolError, SERVER_PAYLOADS, TERMINAL_STEP_STATES, WorkflowDraftSchema } from '@wfa/protocol';
import type { ActionStepInput, DependencyEffect, DependencyResolution, StepDependency, WorkflowDraft } from '@wfa/protocol';
import type { Actor, StepOutcome, Transition } from './api';
import { applyApproval, applyEdit, resolveConflict } from './decisions';
import { respondToIntervention } from './interventions';
import { completeRollback, resolveFailure, rollbackPlan } from './failures';
import { draftReminder, expireDraft } from './timers';
import { beginStep, expireIntervention, finishStep, readyToRun, retryFailed, skipFailed } from './execution';
import { depState, evalCondition } from './dependencies';
import { effectiveDeps } from './graph';
import { isFinished } from './views';
import { T0, USER, build } from './test-helpers';

const EFFECTS: DependencyEffect[] = ['blocks', 'enhances', 'optional'];
const RESOLUTIONS: DependencyResolution[] = ['wait', 'skip', 'fallback', 'ask_user'];

const depSpec = fc.record({
  target: fc.nat(),
  mode: fc.constantFrom('dependsOn', 'inline', 'whole', 'requires', 'requires'),
  effect: fc.constantFrom(...EFFECTS),
  resolution: fc.constantFrom(...RESOLUTIONS),
  fallback: fc.boolean(),
  field: fc.constantFrom(undefined, 'email', 'name'),
  multi: fc.constantFrom(undefined, undefined, 'all', 'any'),
  cond: fc.option(fc.record({ target: fc.nat(), op: fc.constantFrom('equals', 'exists', 'greater_than') }), { freq: 4 }),
});
const stepSpec = fc.record({ kind: fc.constantFrom('lookup', 'task', 'draft'), deps: fc.array(depSpec, { maxLength: 3 }) });
type StepSpec = typeof stepSpec extends fc.Arbitrary<infer T> ? T : never;

function makeSteps(specs: StepSpec[]): ActionStepInput[] {
  return specs.map((spec, i) => {
    const id = `s${i}`;
    const text: string[] = [];
    let whole: string | undefined;
    const dependsOn: string[] = [];
    const requires: StepDependency[] = [];
    if (i > 0) {
      for (const dep of spec.deps) {
        const target = `s${dep.target % i}`;
        if (dep.mode === 'dependsOn') dependsOn.push(target);
        else if (dep.mode === 'inline') text.push(`{{${target}.name}}`);
        else if (dep.mode === 'whole') whole = `{{${target}.${spec.kind === 'draft' ? 'email' : 'name'}}}`;
        else {
          const r: StepDependency = { stepId: target, effect: dep.effect, resolution: dep.resolution };
          if (dep.field) r.field = dep.field;
          if (dep.fallback) r.fallbackValue = 'fb@example.com';
          if (dep.multi) {
            r.requiredFields = ['email', 'name'];
            r.requireAll = dep.multi === 'all';
          }
          if (dep.cond) {
            const op = dep.cond.op;
            r.condition = { stepId: `s${dep.cond.target % i}`, field: 'score', operator: op, value: op === 'equals' ? 1 : 5 };
          }
          requires.push(r);
          if (dep.field) text.push(`{{${target}.${dep.field}}}`);
        }
      }
    }
    const extra = text.length > 0 ? `x ${text.join(' ')}` : undefined;
    let params: Record<string, unknown>;
    let type: ActionStepInput['type'];
    if (spec.kind === 'lookup') {
      type = 'contact';
      params = { query: whole ?? (extra ? `q ${extra}` : `q${i}`) };
      // search_contacts has one param: extra text goes into the query
    } else if (spec.kind === 'task') {
      type = 'task';
      params = { title: whole ?? `T${i}`, ...(extra ? { notes: extra } : {}) };
    } else {
      type = 'email';
      params = { recipient: whole ?? 'x@example.com', subject: `S${i}`, ...(extra ? { body: extra } : {}) };
    }
    const action = spec.kind === 'lookup' ? 'search_contacts' : spec.kind === 'task' ? 'create_task' : 'create_draft';
    const step: ActionStepInput = { id, type, action, params, description: `Step ${i}` };
    if (dependsOn.length) step.dependsOn = dependsOn;
    if (requires.length) step.requires = requires;
    return step;
  });
}

// Unbiased: fast-check favours small numbers, which would make late branches (interventions,
// failure answers, timers) and intervention/failure outcomes rare.
const action = fc.record({ k: fc.noBias(fc.nat(124)), a: fc.nat(), b: fc.noBias(fc.nat(99)) });
const SYSTEM: Actor = { userId: 'system', roles: [], kind: 'system' };
const FAILURE_ANSWERS = ['retry_failed', 'skip_failed', 'continue_remaining', 'rollback_all'] as const;

class Driver {
  pool = new Map<string, { stepId: string; run: number }>();
  running = new Set<string>();
  begun = new Set<string>(); // stepId:run that began
  now = T0;
  constructor(public d: WorkflowDraft) {}

  key(stepId: string, run: number) {
    return `${stepId}:${run}`;
  }

  apply(t: Transition, prev: WorkflowDraft) {
    expect(t.draft.version).toBe(prev.version + 1);
    for (const e of t.events) {
      const r = SERVER_PAYLOADS[e.type].safeParse(e.payload);
      if (!r.success) throw new Error(`${e.type} payload invalid: ${r.error.message}`);
    }
    this.d = t.draft;
    for (const c of t.cancel) this.pool.delete(this.key(c.stepId, c.run));
    for (const e of t.enqueue) this.pool.set(this.key(e.stepId, e.run), e);
    // Every ready step has a queued job: nothing is ever lost between transitions.
    for (const r of readyToRun(this.d)) expect(this.pool.has(this.key(r.stepId, r.run))).toBe(true);
  }

  /** Run a pure domain call; ProtocolErrors are refusals (nothing changes), anything else fails. */
  attempt(f: () => Transition | null) {
    const before = JSON.stringify(this.d);
    const prev = this.d;
    let t: Transition | null = null;
    try {
      t = f();
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
    }
    expect(JSON.stringify(prev)).toBe(before); // inputs are never mutated
    if (t) this.apply(t, prev);
  }

  /** A reminder changes nothing but emits one WORKFLOW_REMINDER. */
  remind(index: number) {
    const prev = this.d;
    const t = draftReminder(prev, index, this.now);
    if (!t) return;
    expect(t.draft).toEqual(prev);
    expect(t.enqueue).toEqual([]);
    expect(t.cancel).toEqual([]);
    expect(t.events.map((e) => e.type)).toEqual(['WORKFLOW_REMINDER']);
    expect(SERVER_PAYLOADS.WORKFLOW_REMINDER.safeParse(t.events[0]!.payload).success).toBe(true);
  }

  /** Answer the oldest waiting intervention: 0 provide (string), 1 provide (object), 2 skip, 3 retry (string), 4 retry (as is). */
  respond(how: number) {
    const d = this.d;
    const s = d.steps.find((x) => x.state === 'waiting_intervention');
    if (!s) return;
    const now = ++this.now;
    const p =
      how === 0
        ? { stepId: s.id, option: 'provide_value' as const, value: 'pv@example.com' }
        : how === 1
          ? { stepId: s.id, option: 'provide_value' as const, value: { email: 'pv@example.com', name: 'P', score: 3 } }
          : how === 2
            ? { stepId: s.id, option: 'skip' as const }
            : how === 3
              ? { stepId: s.id, option: 'retry' as const, value: 'r@example.com' }
              : { stepId: s.id, option: 'retry' as const };
    this.attempt(() => respondToIntervention(d, p, USER, now));
  }

  /** The worker's rollback: undo everything completed, report. */
  rollBack() {
    const d = this.d;
    if (d.rollback?.status !== 'requested') return;
    const plan = rollbackPlan(d);
    const half = plan.filter((_, i) => i % 2 === 0).map((x) => x.stepId);
    const rest = plan.filter((_, i) => i % 2 === 1).map((x) => ({ stepId: x.stepId, reason: 'cannot be undone' }));
    this.attempt(() => completeRollback(d, { compensated: half, notCompensated: rest }, ++this.now));
  }

  begin(stepId: string, run: number) {
    this.now += 1;
    const prev = this.d;
    const s = prev.steps.find((x) => x.id === stepId)!;
    const wasRunning = s.state === 'running' && s.run === run;
    const r = beginStep(prev, stepId, run, this.now);
    this.pool.delete(this.key(stepId, run));
    if (!r) return;
    expect(JSON.stringify(r.params)).not.toContain('{{');
    if (!r.transition) {
      expect(wasRunning).toBe(true);
      return;
    }
    if (r.execute) {
      // The step was approved and pending, every dependency completed or resolved.
      expect(s.approvalStatus).toBe('step_approved');
      expect(s.state).toBe('pending');
      expect(this.begun.has(this.key(stepId, run))).toBe(false);
      for (const dep of effectiveDeps(s)) {
        const D = prev.steps.find((x) => x.id === dep.stepId)!;
        const C = dep.condition ? prev.steps.find((x) => x.id === dep.condition!.stepId) : undefined;
        const notNeeded = !!C && C.state === 'completed' && !evalCondition(C.result?.data, dep.condition!);
        const resolved = (s.providedValues && dep.stepId in s.providedValues) || s.droppedDependencies?.includes(dep.stepId);
        // step_by_step starts a step once its blocking dependencies are done (SPEC §6.3).
        const notWaitedFor = prev.mode === 'step_by_step' && dep.effect !== 'blocks';
        expect(D.state === 'completed' || resolved || notNeeded || notWaitedFor).toBe(true);
      }
      this.begun.add(this.key(stepId, run));
      this.running.add(stepId);
    }
    this.apply(r.transition, prev);
  }

  finish(stepId: string, kind: number) {
    this.now += 1;
    this.finishWith(stepId, kind);
  }

  /** kind < 50 completes, < 65 fails for good, < 75 fails retriably, else asks the user. */
  finishWith(stepId: string, kind: number) {
    const s = this.d.steps.find((x) => x.id === stepId)!;
    const data = {
      ...(kind % 7 !== 0 ? { email: 'e@example.com' } : {}),
      ...(kind % 5 !== 0 ? { name: 'N' } : {}),
      score: kind % 10,
    };
    const outcome: StepOutcome =
      kind < 50
        ? { kind: 'completed', data, message: 'ok' }
        : kind < 65
          ? { kind: 'failed', error: 'boom', retriable: true, finalAttempt: true }
          : kind < 75
            ? { kind: 'failed', error: 'flaky', retriable: true, finalAttempt: false }
            : { kind: 'intervention', reason: 'who?', options: ['a'], timeoutSec: 60 };
    const prev = this.d;
    const t = finishStep(prev, stepId, s.run, outcome, this.now);
    if (outcome.kind !== 'failed' || outcome.finalAttempt) this.running.delete(stepId);
    if (t) this.apply(t, prev);
  }

  /** Play until no job is left, everything completing. */
  drain() {
    for (let guard = 0; guard < 200 && (this.pool.size > 0 || this.running.size > 0); guard++) {
      for (const job of [...this.pool.values()]) this.begin(job.stepId, job.run);
      for (const id of [...this.running]) this.finish(id, 1);
    }
  }
}

function invariantsWhenFinished(d: WorkflowDraft) {
  if (!isFinished(d)) return;
  expect(readyToRun(d)).toEqual([]);
  for (const s of d.steps) {
    const declined = s.state === 'pending' && (s.approvalStatus === 'step_rejected' || s.approvalStatus === 'user_cancelled');
    // Cancelled or rolled back while a step ran: its worker's outcome is still recorded later.
    const cancelledRunning = (d.state === 'cancelled' || d.rollback !== undefined) && s.state === 'running';
    expect(TERMINAL_STEP_STATES.includes(s.state) || declined || cancelledRunning).toBe(true);
  }
  expect(WorkflowDraftSchema.safeParse(d).success).toBe(true);
}

describe('properties', () => {
  it('random plans, decisions and outcomes keep every execution invariant and always finish', () => {
    fc.assert(
      fc.property(
        fc.array(stepSpec, { minLength: 1, maxLength: 7 }),
        fc.constantFrom('review_all' as const, 'step_by_step' as const),
        fc.array(action, { maxLength: 80, size: 'max' }),
        fc.boolean(),
        fc.nat(),
        (specs, mode, actions, approveFirst, settleSeed) => {
          const built = build({ steps: makeSteps(specs) }, { mode });
          const drv = new Driver(built.draft);
          for (const e of built.enqueue) drv.pool.set(drv.key(e.stepId, e.run), e);
          // Half the runs start with everything approved, so random outcomes meet a running plan.
          if (approveFirst) drv.attempt(() => applyApproval(drv.d, { action: 'approve_all' }, USER, ++drv.now));
          const ids = drv.d.steps.map((s) => s.id);
          const pick = (n: number) => ids[n % ids.length]!;
          for (const { k, a, b } of actions) {
            const now = ++drv.now;
            const d = drv.d;
            if (k < 25) {
              const jobs = [...drv.pool.values()];
              const job = jobs[a % Math.max(1, jobs.length)];
              if (job) drv.begin(job.stepId, job.run);
            } else if (k < 50) {
              const running = [...drv.running];
              const id = running[a % Math.max(1, running.length)];
              if (id) drv.finish(id, b);
            } else if (k < 58) drv.attempt(() => applyApproval(d, { action: 'approve_step', stepId: pick(a) }, USER, now));
            else if (k < 64) drv.attempt(() => applyApproval(d, { action: 'reject_step', stepId: pick(a) }, USER, now));
            else if (k < 68) drv.attempt(() => applyEdit(d, { operation: 'skip_step', stepId: pick(a) }, USER, now));
            else if (k < 72) {
              const s = d.steps[a % d.steps.length]!;
              const mod = s.action === 'create_task' ? { notes: 'changed' } : s.action === 'create_draft' ? { subject: 'changed' } : { query: 'changed' };
              drv.attempt(() => applyApproval(d, { action: 'modify_step', stepId: s.id, modifications: mod }, USER, now));
            } else if (k < 76) drv.attempt(() => applyApproval(d, { action: 'approve_all' }, USER, now));
            else if (k < 84) {
              const c = d.conflicts[a % Math.max(1, d.conflicts.length)];
              if (c) {
                const opt = c.options[b % c.options.length]!.action;
                drv.attempt(() => resolveConflict(d, { stepId: c.stepId, option: opt, value: 'pv@example.com' }, USER, now));
              }
            } else if (k < 87) {
              if (d.partialFailure) drv.attempt(() => skipFailed(d, now));
            } else if (k < 89) {
              if (d.partialFailure) drv.attempt(() => retryFailed(d, now));
            } else if (k < 93) {
              const s = d.steps.find((x) => x.state === 'waiting_intervention');
              if (s) drv.attempt(() => expireIntervention(d, s.id, s.run, now));
            } else if (k < 96) {
              // A stale or duplicate job never runs a step a second time.
              const s = d.steps[a % d.steps.length]!;
              const run = Math.max(0, s.run - 1 - (b % 2));
              if (!drv.pool.has(drv.key(s.id, run)) && !(s.state === 'running' && s.run === run)) {
                expect(beginStep(d, s.id, run, now)).toBeNull();
              }
            } else if (k < 97) drv.attempt(() => applyApproval(d, { action: 'cancel_all' }, USER, now));
            else if (k < 99) drv.attempt(() => applyEdit(d, { operation: 'restore_params', stepId: pick(a) }, USER, now));
            else if (k < 106) drv.respond(b % 5);
            else if (k < 113) {
              // retry / skip / continue most of the time; rollback now and then.
              const answer = FAILURE_ANSWERS[b < 90 ? b % 3 : 3]!;
              if (d.partialFailure) drv.attempt(() => resolveFailure(d, { action: answer }, USER, now));
              else expect(() => resolveFailure(d, { action: answer }, USER, now)).toThrow(ProtocolError);
            } else if (k < 115) drv.rollBack();
            else if (k < 119) drv.remind(b % 3);
            else {
              const act = (['save_draft', 'auto_reject', 'auto_approve'] as const)[b % 3]!;
              drv.attempt(() => expireDraft(d, act, SYSTEM, now));
            }
            invariantsWhenFinished(drv.d);
          }
          // The user settles whatever is left; the workflow must then finish.
          for (let round = 0; round < 40 && !isFinished(drv.d); round++) {
            drv.drain();
            const d = drv.d;
            const now = ++drv.now;
            if (isFinished(d)) break;
            const pick3 = (settleSeed >> (round % 16)) % 3;
            if (d.rollback?.status === 'requested') {
              drv.rollBack();
              continue;
            }
            if (d.partialFailure) {
              if (pick3 === 0) drv.attempt(() => skipFailed(d, now));
              else drv.attempt(() => resolveFailure(d, { action: pick3 === 1 ? 'continue_remaining' : 'skip_failed' }, USER, now));
              continue;
            }
            const waiting = d.steps.find((s) => s.state === 'waiting_intervention');
            if (waiting) {
              // Answer (a value that does not fit a dependent is refused: then skip), or let it time out.
              const v = drv.d.version;
              if (pick3 === 0) drv.attempt(() => expireIntervention(d, waiting.id, waiting.run, now));
              else drv.respond(pick3 === 1 ? 0 : 2);
              if (drv.d.version === v) drv.respond(2);
              continue;
            }
            const c = d.conflicts[0];
            if (c) {
              // Provide the value (a skip could hold a `wait` dependent again); skip if it does not fit.
              const v = drv.d.version;
              drv.attempt(() => resolveConflict(d, { stepId: c.stepId, option: 'provide_value', value: 'pv@example.com' }, USER, now));
              if (drv.d.version === v) drv.attempt(() => resolveConflict(d, { stepId: c.stepId, option: 'skip_dependent' }, USER, now));
              continue;
            }
            if (d.steps.some((s) => s.state === 'pending' && ['draft_pending', 'step_modified'].includes(s.approvalStatus))) {
              drv.attempt(() => applyApproval(d, { action: 'approve_all' }, USER, now));
              continue;
            }
            const held = d.steps.flatMap((s) => (s.state === 'pending' ? effectiveDeps(s).filter((e) => depState(d, s, e) === 'held') : []));
            if (held[0]) {
              // Bring back the root of what holds it (a step skipped by a rule comes back with its cause).
              let root = d.steps.find((s) => s.id === held[0]!.stepId)!;
              while (root.state === 'skipped' && root.skippedBy) root = d.steps.find((s) => s.id === root.skippedBy)!;
              drv.attempt(() => applyApproval(d, { action: 'approve_step', stepId: root.id }, USER, now));
              continue;
            }
            // Only a plan that validation refuses may still be waiting: the user gives up on it.
            expect(d.state).toBe('created');
            drv.attempt(() => applyApproval(d, { action: 'cancel_all' }, USER, now));
          }
          drv.drain();
          expect(isFinished(drv.d)).toBe(true);
          invariantsWhenFinished(drv.d);
        },
      ),
      { numRuns: Number(process.env.PROP_RUNS ?? 300) },
    );
  });

  it('interventions and failures answered in every way keep the invariants and always finish', () => {
    const op = fc.record({ op: fc.noBias(fc.nat(9)), x: fc.noBias(fc.nat(99)) });
    fc.assert(
      fc.property(
        fc.array(stepSpec, { minLength: 1, maxLength: 7 }),
        fc.constantFrom('review_all' as const, 'step_by_step' as const),
        fc.array(op, { minLength: 10, maxLength: 60 }),
        (specs, mode, ops) => {
          const built = build({ steps: makeSteps(specs) }, { mode });
          const drv = new Driver(built.draft);
          drv.attempt(() => applyApproval(drv.d, { action: 'approve_all' }, USER, ++drv.now));
          for (const { op: o, x } of ops) {
            const d = drv.d;
            const now = ++drv.now;
            if (o < 3) {
              const jobs = [...drv.pool.values()];
              const job = jobs[x % Math.max(1, jobs.length)];
              if (job) drv.begin(job.stepId, job.run);
            } else if (o < 5) {
              const running = [...drv.running];
              const id = running[x % Math.max(1, running.length)];
              // A third each: complete, fail for good, ask the user.
              if (id) drv.finish(id, [1, 55, 80][x % 3]!);
            } else if (o < 7) drv.respond(x % 5);
            else if (o < 8) {
              const s = d.steps.find((y) => y.state === 'waiting_intervention');
              if (s) drv.attempt(() => expireIntervention(d, s.id, s.run, now));
            } else if (o < 9) {
              if (d.partialFailure) drv.attempt(() => resolveFailure(d, { action: FAILURE_ANSWERS[x % 4]! }, USER, now));
            } else drv.rollBack();
            invariantsWhenFinished(drv.d);
          }
          for (let round = 0; round < 40 && !isFinished(drv.d); round++) {
            drv.drain();
            const d = drv.d;
            const now = ++drv.now;
            if (isFinished(d)) break;
            if (d.rollback?.status === 'requested') drv.rollBack();
            else if (d.partialFailure) drv.attempt(() => resolveFailure(d, { action: round % 2 ? 'continue_remaining' : 'skip_failed' }, USER, now));
            else if (d.steps.some((s) => s.state === 'waiting_intervention')) {
              const v = drv.d.version;
              drv.respond(round % 2 ? 0 : 2);
              if (drv.d.version === v) drv.respond(2);
            } else if (d.conflicts[0]) {
              // Provide the value (skipping could hold a `wait` dependent again); skip if it does not fit.
              const c = d.conflicts[0];
              const v = drv.d.version;
              drv.attempt(() => resolveConflict(d, { stepId: c.stepId, option: 'provide_value', value: 'pv@example.com' }, USER, now));
              if (drv.d.version === v) drv.attempt(() => resolveConflict(d, { stepId: c.stepId, option: 'skip_dependent' }, USER, now));
            } else {
              // Only a `wait` dependent may still hold the plan: bring back the root of what holds it.
              const held = d.steps.flatMap((s) => (s.state === 'pending' ? effectiveDeps(s).filter((e) => depState(d, s, e) === 'held') : []));
              expect(held.length).toBeGreaterThan(0);
              let root = d.steps.find((s) => s.id === held[0]!.stepId)!;
              while (root.state === 'skipped' && root.skippedBy) root = d.steps.find((s) => s.id === root.skippedBy)!;
              drv.attempt(() => applyApproval(d, { action: 'approve_step', stepId: root.id }, USER, now));
            }
          }
          drv.drain();
          expect(isFinished(drv.d)).toBe(true);
          invariantsWhenFinished(drv.d);
        },
      ),
      { numRuns: Number(process.env.PROP_RUNS ?? 300) },
    );
  });

  it('a plan is accepted exactly when its graph has no cycle', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 12 }))),
        ([n, edges]) => {
          const deps = new Map<number, Set<number>>();
          for (const [from, to] of edges) deps.set(from, (deps.get(from) ?? new Set()).add(to));
          const steps: ActionStepInput[] = Array.from({ length: n }, (_, i) => ({
            id: `n${i}`,
            type: 'task',
            action: 'create_task',
            params: { title: `T${i}` },
            description: `Task ${i}`,
            dependsOn: [...(deps.get(i) ?? [])].map((j) => `n${j}`),
          }));
          // Reference answer: Kahn's algorithm.
          const indeg = Array.from({ length: n }, (_, i) => (deps.get(i) ?? new Set()).size);
          const queue = indeg.flatMap((d, i) => (d === 0 ? [i] : []));
          let seen = 0;
          while (queue.length) {
            const x = queue.pop()!;
            seen++;
            for (let i = 0; i < n; i++) if (deps.get(i)?.has(x) && --indeg[i]! === 0) queue.push(i);
          }
          const acyclic = seen === n;
          let error: unknown;
          try {
            build({ steps });
          } catch (e) {
            error = e;
          }
          if (acyclic) expect(error).toBeUndefined();
          else {
            expect(error).toBeInstanceOf(ProtocolError);
            expect((error as ProtocolError).code).toBe('invalid_plan');
            expect((error as ProtocolError).message).toMatch(/depends on itself|Dependency cycle: n\d+( -> n\d+)+/);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
