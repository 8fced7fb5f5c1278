import { TEMPLATE_RE } from '@wfa/protocol';
import { awaitsSecondApproval, isApproverView } from '../viewer';
import { h } from '../dom';
import { ACTION_TYPE_LABEL, APPROVAL_LABEL, RISK_ICON, RISK_LABEL, STATE_ICON, stepStatusText, stepTitle } from '../labels';
import type { StepVM, WorkflowVM } from '../types';
import { renderResult } from './result';

export interface StepActions {
  approve(stepId: string): void;
  reject(stepId: string): void;
  skip(stepId: string): void;
  edit(stepId: string): void;
  restore(stepId: string): void;
  openConflict(stepId: string): void;
  openIntervention(stepId: string): void;
}

const has = (o: Record<string, unknown> | undefined, k: string): o is Record<string, unknown> => !!o && Object.prototype.hasOwnProperty.call(o, k);

/** The value standing in for `{{stepId.field}}` when one was provided for that dependency (its field, if it is an object holding it). */
function standIn(step: StepVM | undefined, stepId: string, field: string | undefined): { value: unknown } | undefined {
  const pv = step?.providedValues;
  if (!has(pv, stepId)) return undefined;
  const v = pv[stepId];
  return { value: field !== undefined && v && typeof v === 'object' && has(v as Record<string, unknown>, field) ? (v as Record<string, unknown>)[field] : v };
}

/**
 * A param value, with each `{{stepId.field}}` template shown as a link to the step it comes from,
 * or, when a value stands in for that result (a conflict answered with a value, a fallback), that value.
 */
export function renderValue(value: unknown, wf: WorkflowVM, step?: StepVM): Node {
  if (typeof value === 'string') {
    const frag = document.createDocumentFragment();
    let last = 0;
    for (const m of value.matchAll(TEMPLATE_RE)) {
      const idx = m.index ?? 0;
      if (idx > last) frag.append(value.slice(last, idx));
      const from = wf.steps.find((x) => x.id === m[1]);
      const text = from ? `${m[2] ?? 'result'} from step ${from.order}` : m[0];
      const given = standIn(step, m[1] ?? '', m[2]);
      if (given) {
        frag.append(
          h('strong', { class: 'provided', 'data-provided-for': m[1] }, typeof given.value === 'string' ? given.value : JSON.stringify(given.value)),
          h('span', { class: 'muted' }, ' (given instead of ', h('a', { href: `#step-${m[1]}`, title: m[0] }, text), ')'),
        );
      } else frag.append(h('a', { href: `#step-${m[1]}`, class: 'tpl', title: m[0], 'data-template': m[0] }, `↳ ${text}`));
      last = idx + m[0].length;
    }
    if (last < value.length) frag.append(value.slice(last));
    return frag;
  }
  if (Array.isArray(value)) return h('ul', { class: 'value-list' }, value.map((v) => h('li', {}, renderValue(v, wf, step))));
  if (value === null || value === undefined) return document.createTextNode('—');
  if (typeof value === 'object') return h('code', {}, JSON.stringify(value));
  return document.createTextNode(String(value));
}

export function renderParams(params: Record<string, unknown>, wf: WorkflowVM, step?: StepVM): HTMLElement {
  const keys = Object.keys(params);
  if (!keys.length) return h('p', { class: 'muted' }, 'No parameters.');
  return h('dl', { class: 'params' }, keys.map((k) => [h('dt', {}, k), h('dd', {}, renderValue(params[k], wf, step))]));
}

/** What stands in for each lost dependency's result (a value the user gave, or a fallback). */
function providedFacts(step: StepVM, wf: WorkflowVM): HTMLElement[] {
  return Object.entries(step.providedValues ?? {}).flatMap(([dep, v]) => {
    const from = wf.steps.find((x) => x.id === dep);
    return [
      h('dt', {}, 'Used instead'),
      h('dd', { 'data-provided-for': dep }, h('strong', {}, typeof v === 'string' ? v : JSON.stringify(v)), ` in place of the result of ${from ? stepTitle(from) : dep}`),
    ];
  });
}

/** The plan's owner may approve steps of this type (SPEC §6.10 `canApproveSteps`). */
function ownerMayApprove(step: StepVM, wf: WorkflowVM): boolean {
  return !wf.permissions || wf.permissions.canApproveSteps.includes(step.type);
}

/** Who else must approve this step, or who did. */
function secondApprovalText(step: StepVM, wf: WorkflowVM, viewer: string | undefined): string {
  const sa = step.secondApproval!;
  if (sa.approvedBy) return `Given by ${sa.approvedBy === viewer ? 'you' : sa.approvedBy}`;
  const who = `someone with the role “${sa.approverRole}”`;
  if (!awaitsSecondApproval(step)) return `Needed from ${who}, after the owner's approval`;
  return isApproverView(wf, viewer) ? `Approved by ${wf.ownerId}; waits for yours (role “${sa.approverRole}”)` : `Approved by you; waits for ${who} (never you)`;
}

export function isDecidable(step: StepVM, wf: WorkflowVM): boolean {
  return step.state === 'pending' && ['created', 'waiting_intervention', 'running'].includes(wf.planState) && step.approvalStatus !== 'user_cancelled';
}

export function renderStepCard(step: StepVM, wf: WorkflowVM, actions: StepActions, busy: boolean, viewer?: string): HTMLElement {
  const title = stepTitle(step);
  const headingId = `step-title-${step.id}`;
  const decidable = isDecidable(step, wf);
  const conflict = wf.conflicts.find((c) => c.stepId === step.id);
  const btn = (label: string, cls: string, onclick: () => void, extra: Record<string, string> = {}) =>
    h('button', { type: 'button', class: cls, onclick, disabled: busy, 'aria-describedby': headingId, ...extra }, label);

  const buttons: HTMLElement[] = [];
  if (isApproverView(wf, viewer)) {
    // Someone else's plan: its second approver approves or rejects what waits for them, nothing else.
    if (awaitsSecondApproval(step)) {
      buttons.push(btn('Approve', 'btn good', () => actions.approve(step.id), { 'data-action': 'approve' }));
      buttons.push(btn('Reject…', 'btn bad', () => actions.reject(step.id), { 'data-action': 'reject' }));
    }
  } else if (decidable) {
    // Approved by this user already, it waits for someone else: approving again would change nothing.
    if (step.approvalStatus !== 'step_approved' && !awaitsSecondApproval(step) && ownerMayApprove(step, wf)) {
      buttons.push(btn('Approve', 'btn good', () => actions.approve(step.id), { 'data-action': 'approve' }));
    }
    if (step.approvalStatus !== 'step_rejected') buttons.push(btn('Reject…', 'btn bad', () => actions.reject(step.id), { 'data-action': 'reject' }));
    buttons.push(btn('Skip', 'btn', () => actions.skip(step.id), { 'data-action': 'skip' }));
    buttons.push(btn('Edit…', 'btn', () => actions.edit(step.id), { 'data-action': 'edit' }));
    if (step.isModified) buttons.push(btn('Undo edits', 'btn', () => actions.restore(step.id), { 'data-action': 'restore' }));
  }
  if (conflict) buttons.push(btn('Resolve conflict…', 'btn warn', () => actions.openConflict(step.id), { 'data-action': 'conflict' }));
  if (step.state === 'waiting_intervention' && step.intervention) buttons.push(btn('Respond…', 'btn warn', () => actions.openIntervention(step.id), { 'data-action': 'intervene' }));

  const note = decisionNote(step);
  const progress =
    step.state === 'running'
      ? h('div', { class: 'progress-row' }, h('progress', { max: 100, value: step.progress ?? 0, 'aria-label': `Progress of step ${step.order}` }), h('span', {}, `${Math.round(step.progress ?? 0)}%`))
      : null;

  return h(
    'li',
    { class: `step-card state-${step.state} appr-${step.approvalStatus}`, id: `step-${step.id}`, 'data-step-id': step.id, 'aria-labelledby': headingId, tabindex: -1 },
    h(
      'div',
      { class: 'step-head' },
      h('h3', { id: headingId }, title),
      h('span', { class: `badge risk risk-${step.riskLevel}` }, h('span', { 'aria-hidden': 'true' }, RISK_ICON[step.riskLevel] ?? ''), ` ${RISK_LABEL[step.riskLevel] ?? step.riskLevel}`),
    ),
    h(
      'p',
      { class: `status-line state-${step.state}`, 'data-status': step.state, 'data-approval': step.approvalStatus },
      h('span', { 'aria-hidden': 'true' }, `${STATE_ICON[step.state] ?? ''} `),
      h('strong', { class: 'status-text' }, stepStatusText(step)),
      note ? h('span', { class: 'muted' }, ` · ${note}`) : null,
      step.isModified ? h('span', { class: 'badge small' }, 'edited') : null,
      step.autoApprovedBy ? h('span', { class: 'badge small' }, `auto-approved: ${step.autoApprovedBy}`) : null,
    ),
    progress,
    step.message && step.state !== 'pending' ? h('p', { class: 'step-message' }, step.message) : null,
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Action'),
      h('dd', {}, h('code', {}, `${step.type}.${step.action}`)),
      h('dt', {}, 'Estimated time'),
      h('dd', {}, step.estimatedTime || '—'),
      h('dt', {}, 'Expected outcome'),
      h('dd', {}, step.expectedOutcome || '—'),
      step.rejectionReason ? [h('dt', {}, 'Rejection reason'), h('dd', {}, step.rejectionReason)] : null,
      !isApproverView(wf, viewer) && !ownerMayApprove(step, wf) && step.state === 'pending' && step.approvalStatus !== 'step_rejected'
        ? [h('dt', {}, 'Approval'), h('dd', { 'data-not-approvable': 'true' }, `Your permissions do not let you approve ${ACTION_TYPE_LABEL[step.type]?.toLowerCase() ?? step.type} steps: reject or skip it`)]
        : null,
      step.secondApproval ? [h('dt', {}, 'Second approval'), h('dd', { 'data-second-approval': step.secondApproval.approvedBy ? 'given' : 'needed' }, secondApprovalText(step, wf, viewer))] : null,
      providedFacts(step, wf),
    ),
    h('details', { class: 'params-box', open: true }, h('summary', {}, 'Parameters'), renderParams(step.params, wf, step)),
    renderResult(step, `${wf.sessionId}:${step.id}`),
    conflict ? h('p', { class: 'notice warn', role: 'note' }, '⚠ ', conflict.issue) : null,
    buttons.length ? h('div', { class: 'step-actions', role: 'group', 'aria-label': `Decisions for step ${step.order}` }, buttons) : null,
  );
}

/**
 * The decision beside a step's state, once it is past `pending`: what was decided (approved,
 * rejected, cancelled). A step that will not run was never waiting for a decision any more, so it
 * says nothing rather than "Awaiting your decision" in a finished plan.
 */
function decisionNote(step: StepVM): string | undefined {
  if (step.state === 'pending') return undefined;
  if (!['step_approved', 'step_rejected', 'user_cancelled'].includes(step.approvalStatus)) return undefined;
  return APPROVAL_LABEL[step.approvalStatus] ?? step.approvalStatus;
}
