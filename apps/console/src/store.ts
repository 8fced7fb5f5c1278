import { compareEventIds, isLoggedEventId } from '@wfa/protocol';
import { alreadyApplied, arrivedLate, insertLogEntry, rememberApplied } from './applied-events';
import { PLAN_STATE_LABEL, stepTitle } from './labels';
import { plainText } from './plain-issues';
import type { ConflictVM, DraftPayload, LogEntry, ServerEvent, StatusPayload, StepVM, WorkflowVM } from './types';

const STORAGE_PREFIX = 'wfa.wf.';
const MAX_LOG = 300;

function emptyWorkflow(sessionId: string): WorkflowVM {
  return {
    sessionId,
    originalMessage: '',
    summary: '',
    estimatedDuration: '',
    totalSteps: 0,
    mode: 'review_all',
    planState: 'created',
    approvalStatus: 'draft_pending',
    version: 0,
    steps: [],
    dependencies: {},
    risks: [],
    conflicts: [],
    hasDraft: false,
    log: [],
    appliedIds: [],
  };
}

/**
 * The current workflow as the console shows it, built only from server events. Every event is
 * applied at most once (applied-events.ts), and the view is kept in sessionStorage so that a
 * reload shows it at once; the subscribe that follows replays the log, skipping what was applied.
 */
export class Store {
  wf: WorkflowVM | undefined;
  private snapshot: { eventId: string; payload: StatusPayload } | undefined;
  private readonly listeners = new Set<(wf: WorkflowVM | undefined) => void>();

  onChange(fn: (wf: WorkflowVM | undefined) => void): void {
    this.listeners.add(fn);
  }

  private notify(): void {
    for (const fn of this.listeners) fn(this.wf);
  }

  /** Open a workflow: from this tab's saved view when there is one, else empty (full replay). */
  open(sessionId: string): WorkflowVM {
    let saved: WorkflowVM | undefined;
    try {
      const raw = sessionStorage.getItem(STORAGE_PREFIX + sessionId);
      if (raw) saved = JSON.parse(raw) as WorkflowVM;
    } catch {
      saved = undefined;
    }
    this.wf = saved && saved.sessionId === sessionId ? saved : emptyWorkflow(sessionId);
    this.snapshot = undefined;
    this.notify();
    return this.wf;
  }

  close(): void {
    this.wf = undefined;
    this.snapshot = undefined;
    this.notify();
  }

  forget(sessionId: string): void {
    sessionStorage.removeItem(STORAGE_PREFIX + sessionId);
  }

  step(id: string): StepVM | undefined {
    return this.wf?.steps.find((s) => s.id === id);
  }

  /**
   * Apply one server event; returns false when it is not for this workflow or was already applied,
   * 'late' when it only added its line to the activity list (see below), else 'applied'.
   */
  apply(ev: ServerEvent): false | 'applied' | 'late' {
    const wf = this.wf;
    if (!wf || ev.sessionId !== wf.sessionId) return false;
    // A subscribe's snapshot is told apart by its id, never a logged one's: live events may
    // overtake it (a run of a few ms ends before the snapshot of a re-subscribe arrives), and the
    // first WORKFLOW_STATUS after subscribing is then a logged event, whose line the log needs.
    if (ev.type === 'WORKFLOW_STATUS' && !isLoggedEventId(ev.eventId)) {
      // What the snapshot reflects: up to `asOfEventId` (its own id only marks its place in the stream).
      const p = ev.payload as StatusPayload;
      this.snapshot = { eventId: p.asOfEventId ?? ev.eventId, payload: p };
      this.applyStatus(wf, ev.payload as StatusPayload);
      this.save();
      this.notify();
      return 'applied';
    }
    if (alreadyApplied(wf, ev.eventId)) return false;
    // An event older than one applied already (a catch-up overtaken by a live event) is history:
    // the view already shows a later state, which the snapshot carries only in part (not a
    // step's message or params), so the event only adds its line, worded as of a copy of the view.
    const late = arrivedLate(wf, ev.eventId);
    const entry = this.applyEvent(late ? (JSON.parse(JSON.stringify(wf)) as WorkflowVM) : wf, ev);
    rememberApplied(wf, ev.eventId);
    if (entry) insertLogEntry(wf.log, { eventId: ev.eventId, time: ev.timestamp, ...entry }, MAX_LOG);
    // A replayed event older than the snapshot must not undo what the snapshot says now.
    if (!late && this.snapshot && compareEventIds(ev.eventId, this.snapshot.eventId) <= 0) this.applyStatus(wf, this.snapshot.payload);
    this.save();
    this.notify();
    return late ? 'late' : 'applied';
  }

  /** Local bookkeeping after an accepted decision (its ack carries the new version). */
  patch(fn: (wf: WorkflowVM) => void): void {
    if (!this.wf) return;
    fn(this.wf);
    this.save();
    this.notify();
  }

  private name(wf: WorkflowVM, id: string): string {
    const s = wf.steps.find((x) => x.id === id);
    return s && s.description ? stepTitle(s) : id;
  }

  private applyEvent(wf: WorkflowVM, ev: ServerEvent): Omit<LogEntry, 'eventId' | 'time'> | undefined {
    switch (ev.type) {
      case 'WORKFLOW_DRAFT': {
        this.applyDraft(wf, ev.payload as DraftPayload);
        wf.loggedPlanState = (ev.payload as DraftPayload).planState;
        wf.loggedApprovals = Object.fromEntries((ev.payload as DraftPayload).steps.map((x) => [x.id, x.approvalStatus]));
        return { text: `Draft ready (version ${wf.version}): ${wf.summary}`, tone: 'info' };
      }
      case 'STEP_EXECUTION': {
        const p = (ev as ServerEvent<'STEP_EXECUTION'>).payload;
        const s = this.ensureStep(wf, p.stepId);
        const planBefore = wf.planState;
        s.state = p.status;
        if (p.progress !== undefined) s.progress = p.progress;
        s.message = p.message;
        if (p.result) s.result = p.result;
        if (p.interventionRequired) s.intervention = p.interventionRequired;
        else if (p.status !== 'waiting_intervention') delete s.intervention;
        if (p.partialFailure) {
          wf.partialFailure = p.partialFailure;
          wf.planState = 'waiting_intervention';
        } else if (p.status === 'waiting_intervention') wf.planState = 'waiting_intervention';
        // A step's start (progress 0) shows the plan running, as the server derives it: unless a
        // failure stands or another step still waits on the user (independent steps run beside an
        // open question). A progress report is no start: it is logged up to PROGRESS_HOLD_MS late,
        // possibly after another step paused or cancelled the plan. A standing failure is cleared
        // by the WORKFLOW_STATUS that answers it, never by a step's start.
        else if (p.status === 'running' && !p.progress && ['created', 'waiting_intervention'].includes(wf.planState)) {
          const waiting = wf.partialFailure !== undefined || wf.steps.some((x) => x.state === 'waiting_intervention');
          if (!waiting) wf.planState = 'running';
        }
        // A step's start that sets the plan running says so itself (the status after it then adds
        // no line). A pause is left to the status that follows it ("Workflow paused, needs you"),
        // so the tab that watched it live logs the line a tab replaying the workflow logs.
        if (wf.planState !== planBefore && wf.planState === 'running') wf.loggedPlanState = wf.planState;
        seenVersion(wf, p.version);
        forgetImpactsBefore(wf, p.version);
        const tone = p.status === 'completed' ? 'good' : p.status === 'failed' || p.status === 'timeout' ? 'bad' : p.status === 'waiting_intervention' ? 'warn' : 'info';
        if (p.status === 'running' && p.progress !== undefined && p.progress > 0 && p.progress < 100) return undefined;
        return { text: `${this.name(wf, p.stepId)}: ${p.message}`, tone };
      }
      case 'EDIT_RESULT': {
        const p = (ev as ServerEvent<'EDIT_RESULT'>).payload;
        seenVersion(wf, p.version);
        for (const u of [p.updatedStep, ...(p.updatedSteps ?? [])]) {
          if (!u) continue;
          this.mergeStep(wf, u);
          if (typeof u['id'] === 'string') wf.loggedApprovals = { ...wf.loggedApprovals, [u['id']]: String(u['approvalStatus']) };
        }
        const first = (p.updatedStep?.['id'] as string | undefined) ?? p.dependencyImpacts?.[0]?.stepId ?? '';
        wf.impacts = { stepId: first, list: p.dependencyImpacts ?? [], warnings: p.validationResult?.warnings ?? [], ...(p.version !== undefined ? { version: p.version } : {}) };
        if (!p.success) return { text: `Edit not applied: ${plainText(p.error ?? p.validationResult?.errors.join('; ') ?? 'refused')}`, tone: 'bad' };
        const batch = (p.updatedSteps?.length ?? 0) > 1 && p.updatedSteps?.some((u) => u['id'] !== first);
        if (batch || !p.updatedStep) return { text: `Edit applied${first ? ` to ${this.name(wf, first)}` : ''}`, tone: 'good' };
        return { text: editWords(this.name(wf, first), p.updatedStep), tone: 'good' };
      }
      case 'DEPENDENCY_CONFLICT': {
        const p = (ev as ServerEvent<'DEPENDENCY_CONFLICT'>).payload;
        seenVersion(wf, p.version);
        const missing = p.rejectedStep ?? p.missingDependency;
        const asking = p.affectedSteps.filter((a) => a.resolution === 'ask_user');
        if (p.options.length) {
          for (const a of asking.length ? asking : p.affectedSteps) {
            const c: ConflictVM = { stepId: a.stepId, issue: a.issue, options: p.options, ...(missing ? { missingDependency: missing } : {}) };
            wf.conflicts = [...wf.conflicts.filter((x) => x.stepId !== a.stepId), c];
            if (missing) wf.asked = { ...wf.asked, [a.stepId]: missing };
          }
        }
        const who = p.affectedSteps.map((a) => this.name(wf, a.stepId)).join(', ');
        return { text: `Dependency conflict${missing ? ` after ${this.name(wf, missing)}` : ''}: affects ${who}`, tone: 'warn' };
      }
      case 'WORKFLOW_STATUS': {
        const p = ev.payload as StatusPayload;
        const before = wf.loggedPlanState ?? wf.planState;
        wf.loggedPlanState = p.planState;
        const answers = this.answered(wf, p);
        const approved = this.newlyApproved(wf, p);
        wf.loggedApprovals = Object.fromEntries(p.steps.map((x) => [x.id, x.approvalStatus]));
        this.applyStatus(wf, p);
        forgetImpactsBefore(wf, p.version);
        wf.asked = Object.fromEntries((p.conflicts ?? []).map((c) => [c.stepId, c.missingDependency]));
        // A status refresh tells something only when steps were approved, the plan's state moved
        // or a conflict was answered.
        const said = before !== p.planState || !wf.log.length ? [`Workflow ${PLAN_STATE_LABEL[p.planState]?.toLowerCase() ?? p.planState}`] : [];
        const lines = [...approved, ...said, ...answers];
        if (!lines.length) return undefined;
        return { text: lines.join(' · '), tone: p.planState === 'completed' ? 'good' : p.planState === 'failed' ? 'bad' : 'info' };
      }
      case 'WORKFLOW_REMINDER': {
        const p = (ev as ServerEvent<'WORKFLOW_REMINDER'>).payload;
        wf.reminder = p;
        wf.expiresAt = p.expiresAt;
        return { text: `Reminder: ${p.pendingStepIds.length} step(s) still wait for your decision`, tone: 'warn' };
      }
      default:
        return undefined;
    }
  }

  /** "Approved: …" for the steps this status approves that the log had not approved yet (a status follows every approval). */
  private newlyApproved(wf: WorkflowVM, p: StatusPayload): string[] {
    const before = wf.loggedApprovals;
    if (!wf.hasDraft || !before) return [];
    const moved = (to: string) => p.steps.filter((st) => st.approvalStatus === to && before[st.id] !== undefined && before[st.id] !== to).map((st) => st.id);
    const ids = moved('step_approved');
    // SPEC §6.10: approved by the owner, waiting for another user's approval.
    const waiting = moved('waiting_user_approval');
    const every = ids.length > 1 && ids.length === wf.steps.length;
    return [
      ...(ids.length ? [`Approved: ${every ? 'every step' : ids.map((id) => this.name(wf, id)).join(', ')}`] : []),
      ...(waiting.length ? [`Waiting for a second approval: ${waiting.map((id) => this.name(wf, id)).join(', ')}`] : []),
    ];
  }

  /** How each conflict the log left open and this status no longer carries was answered (a logged status follows every answer). */
  private answered(wf: WorkflowVM, p: StatusPayload): string[] {
    const open = new Set((p.conflicts ?? []).map((c) => c.stepId));
    const out: string[] = [];
    for (const [stepId, dep] of Object.entries(wf.asked ?? {})) {
      if (open.has(stepId)) continue;
      const st = p.steps.find((x) => x.id === stepId);
      const given = st?.providedValues && Object.prototype.hasOwnProperty.call(st.providedValues, dep) ? { value: st.providedValues[dep] } : undefined;
      let how: string | undefined;
      if (given) how = `will use ${shownValue(given.value)} instead of the result of ${this.name(wf, dep)}`;
      else if (st?.state === 'skipped') how = 'skipped, it will not run';
      else if (p.steps.find((x) => x.id === dep)?.approvalStatus === 'step_approved') how = `${this.name(wf, dep)} approved again`;
      // A conflict that went with the end of the workflow was not answered: nothing to tell.
      if (how) out.push(`Conflict answered for ${this.name(wf, stepId)}: ${how}`);
    }
    return out;
  }

  private applyDraft(wf: WorkflowVM, p: DraftPayload): void {
    const before = new Map(wf.steps.map((s) => [s.id, s]));
    wf.hasDraft = true;
    if (p.userId !== undefined) wf.ownerId = p.userId;
    wf.permissions = p.permissions;
    wf.originalMessage = p.originalMessage;
    wf.summary = p.summary;
    wf.estimatedDuration = p.estimatedDuration;
    wf.totalSteps = p.totalSteps;
    wf.mode = p.mode;
    wf.planState = p.planState;
    wf.approvalStatus = p.approvalStatus;
    wf.version = p.version;
    wf.dependencies = p.dependencies;
    wf.risks = p.risks;
    if (p.expiresAt !== undefined) wf.expiresAt = p.expiresAt;
    wf.steps = [...p.steps]
      .sort((a, b) => a.order - b.order)
      .map((s) => {
        const old = before.get(s.id);
        const live = old ? { progress: old.progress, message: old.message, result: old.result, intervention: old.intervention } : {};
        return { ...stripUndefined(live), ...s };
      });
  }

  private applyStatus(wf: WorkflowVM, p: StatusPayload): void {
    wf.planState = p.planState;
    wf.approvalStatus = p.approvalStatus;
    wf.version = p.version;
    if (p.expiresAt !== undefined) wf.expiresAt = p.expiresAt;
    for (const st of p.steps) {
      const s = this.ensureStep(wf, st.id);
      s.state = st.state;
      s.approvalStatus = st.approvalStatus;
      if (st.secondApproval) s.secondApproval = st.secondApproval;
      else delete s.secondApproval;
      if (st.result) s.result = st.result;
      if (st.providedValues) s.providedValues = st.providedValues;
      else delete s.providedValues;
      if (st.state !== 'waiting_intervention') delete s.intervention;
    }
    // A status is the whole picture: a conflict or a failure it does not carry was resolved
    // (possibly on another device) and no longer waits on the user.
    wf.conflicts = (p.conflicts ?? []).map((c) => ({ stepId: c.stepId, missingDependency: c.missingDependency, issue: c.issue, options: c.options }));
    if (p.partialFailure) wf.partialFailure = p.partialFailure;
    else delete wf.partialFailure;
    if (p.rollback) wf.rollback = p.rollback;
  }

  private ensureStep(wf: WorkflowVM, id: string): StepVM {
    let s = wf.steps.find((x) => x.id === id);
    if (!s) {
      s = {
        id,
        order: wf.steps.length + 1,
        description: '',
        userFriendlyDescription: id,
        type: 'system',
        action: '',
        riskLevel: 'low',
        estimatedTime: '',
        dependencies: [],
        expectedOutcome: '',
        state: 'pending',
        approvalStatus: 'draft_pending',
        params: {},
        isModified: false,
      };
      wf.steps.push(s);
    }
    return s;
  }

  private mergeStep(wf: WorkflowVM, u: Record<string, unknown>): void {
    const id = u['id'];
    if (typeof id !== 'string') return;
    const s = this.ensureStep(wf, id);
    const keys = ['state', 'approvalStatus', 'params', 'isModified', 'rejectionReason', 'riskLevel', 'description', 'userFriendlyDescription', 'expectedOutcome', 'estimatedTime', 'dependencies', 'requires'] as const;
    for (const k of keys) if (u[k] !== undefined) (s as unknown as Record<string, unknown>)[k] = u[k];
  }

  private save(): void {
    if (!this.wf) return;
    try {
      sessionStorage.setItem(STORAGE_PREFIX + this.wf.sessionId, JSON.stringify(this.wf));
    } catch {
      // storage full or disabled: resuming then replays from the start, which is still correct
    }
  }
}

/** Every committed change's event carries the version it made (a progress report carries none); it only moves forward. */
function seenVersion(wf: WorkflowVM, version: number | undefined): void {
  if (version !== undefined) wf.version = Math.max(wf.version, version);
}

/**
 * "What this change affects" speaks of the edit's moment: a later change (a conflict answered,
 * another decision, a step's start or end) may have changed it, so it goes.
 */
function forgetImpactsBefore(wf: WorkflowVM, version: number | undefined): void {
  if (wf.impacts && version !== undefined && (wf.impacts.version === undefined || version > wf.impacts.version)) delete wf.impacts;
}

function stripUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A provided value as the activity list quotes it. */
export function shownValue(v: unknown): string {
  const text = typeof v === 'string' ? `“${v}”` : JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/**
 * What a single-step edit did, read off the step as the edit left it (EDIT_RESULT carries it), so
 * a replay words it as the live view did.
 */
function editWords(name: string, step: Record<string, unknown>): string {
  const reason = typeof step['rejectionReason'] === 'string' ? step['rejectionReason'] : undefined;
  if (step['state'] === 'skipped') return `Skipped ${name}`;
  switch (step['approvalStatus']) {
    case 'step_rejected':
      return `Rejected ${name}${reason ? `: “${reason}”` : ''}`;
    case 'step_approved':
      return `Approved ${name}`;
    case 'step_modified':
      return `Changed ${name}: needs your approval again`;
    default:
      return `Edit applied to ${name}`;
  }
}
