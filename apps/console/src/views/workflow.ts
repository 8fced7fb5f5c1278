import { isReadOnlyAction, isTerminalPlanState } from '@wfa/protocol';
import { awaitsSecondApproval, isApproverView } from '../viewer';
import { clockTime, h, relativeTime } from '../dom';
import { APPROVAL_LABEL, IMPACT_LABEL, PLAN_STATE_LABEL, RISK_ICON, RISK_LABEL, expiryLabel, stepTitle } from '../labels';
import type { WorkflowVM } from '../types';
import { renderGraph } from './graph';
import { isDecidable, renderStepCard, type StepActions } from './step-card';

export interface WorkflowActions extends StepActions {
  approveAll(): void;
  cancelAll(): void;
  openFailure(): void;
  dismissImpacts(): void;
  focusStep(stepId: string): void;
  /** Fetch and verify the workflow's audit log (WORKFLOW_AUDIT), then show it. */
  openAudit(): void;
}

const PLAN_ICON: Record<string, string> = { created: '✎', running: '↻', waiting_intervention: '⏸', completed: '✓', failed: '✕', cancelled: '⊘' };

export function renderWorkflow(wf: WorkflowVM, actions: WorkflowActions, busy: boolean, viewer?: string): HTMLElement {
  if (!wf.hasDraft && !wf.steps.length) return h('section', { class: 'workflow', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading the workflow…'));
  const terminal = isTerminalPlanState(wf.planState);
  const approver = isApproverView(wf, viewer);
  // Approve all: what this viewer can approve (their own undecided steps, or, as someone else's
  // second approver, the steps waiting for them).
  const anyDecidable = approver
    ? wf.steps.some(awaitsSecondApproval)
    : wf.steps.some((s) => isDecidable(s, wf) && s.approvalStatus !== 'step_approved' && !awaitsSecondApproval(s));
  const name = (id: string) => {
    const s = wf.steps.find((x) => x.id === id);
    return s ? stepTitle(s) : id;
  };

  const banners: HTMLElement[] = [];
  // A failure that ended the plan (nothing left to run) has no choices left: only a paused plan asks.
  if (wf.partialFailure && !terminal) {
    banners.push(
      h('div', { class: 'notice bad', role: 'status' }, `✕ Paused: ${name(wf.partialFailure.failedStep)} failed. `, h('button', { type: 'button', class: 'btn small', onclick: actions.openFailure, 'data-action': 'failure' }, 'Choose what to do…')),
    );
  }
  if (wf.rollback) {
    const rb = wf.rollback;
    const undone = rb.compensated ?? [];
    // A step that only read had nothing to undo: said apart from effects that stayed.
    const readOnly = (n: { stepId: string }) => isReadOnlyAction(wf.steps.find((s) => s.id === n.stepId)?.action ?? '');
    const kept = (rb.notCompensated ?? []).filter((n) => !readOnly(n));
    const onlyRead = (rb.notCompensated ?? []).filter(readOnly);
    banners.push(
      rb.status === 'requested'
        ? h('div', { class: 'notice info', role: 'status', 'data-notice': 'rollback', 'data-rollback': 'requested' }, '↺ Rolling back what the completed steps did…')
        : h(
            'div',
            { class: `notice ${kept.length ? 'warn' : 'info'}`, role: 'status', 'data-notice': 'rollback', 'data-rollback': 'done' },
            h('p', {}, h('strong', {}, '↺ Rollback done. '), undone.length ? `Undone: ${undone.map(name).join(', ')}.` : 'Nothing needed undoing.'),
            kept.length
              ? [h('p', {}, 'Could not be undone:'), h('ul', {}, kept.map((n) => h('li', { 'data-step-id': n.stepId }, h('strong', {}, n.description || name(n.stepId)), ` — ${n.reason}`)))]
              : null,
            onlyRead.length ? h('p', { class: 'muted', 'data-only-read': 'true' }, `Nothing to undo (they only read): ${onlyRead.map((n) => n.description || name(n.stepId)).join(', ')}.`) : null,
          ),
    );
  }
  // What a change affects matters while there is something left to decide.
  if (wf.impacts && !terminal && (wf.impacts.list.length || wf.impacts.warnings.length)) {
    banners.push(
      h(
        'div',
        { class: 'notice info', role: 'status', 'data-notice': 'impacts' },
        h('p', {}, h('strong', {}, 'What this change affects:')),
        h('ul', {}, wf.impacts.list.map((i) => h('li', {}, `${name(i.stepId)} ${IMPACT_LABEL[i.impact] ?? i.impact}: ${i.message}`)), wf.impacts.warnings.map((w) => h('li', {}, `⚠ ${w}`))),
        h('button', { type: 'button', class: 'btn small ghost', onclick: actions.dismissImpacts }, 'Dismiss'),
      ),
    );
  }
  if (wf.reminder && !terminal && wf.planState === 'created') {
    banners.push(h('div', { class: 'notice warn', role: 'status' }, `⏰ ${wf.reminder.pendingStepIds.length} step(s) still wait for your decision; the draft expires ${relativeTime(wf.reminder.expiresAt)}.`));
  }

  const planActions = h(
    'div',
    { class: 'plan-actions', role: 'group', 'aria-label': 'Whole-workflow decisions' },
    !terminal && anyDecidable ? h('button', { type: 'button', class: 'btn good', onclick: actions.approveAll, disabled: busy, 'data-action': 'approve-all' }, '✓ Approve all') : null,
    !terminal && !approver ? h('button', { type: 'button', class: 'btn bad', onclick: actions.cancelAll, disabled: busy, 'data-action': 'cancel-all' }, '⊘ Cancel all') : null,
    // The audit log is the owner's (it holds their addresses).
    approver ? null : h('button', { type: 'button', class: 'btn ghost', onclick: actions.openAudit, 'data-action': 'audit' }, '🔒 Audit log'),
  );

  return h(
    'section',
    { class: 'workflow', 'aria-labelledby': 'wf-title', 'data-session-id': wf.sessionId },
    h(
      'header',
      { class: 'wf-head' },
      h('h2', { id: 'wf-title', tabindex: -1 }, wf.summary || 'Workflow'),
      wf.originalMessage ? h('p', { class: 'original' }, h('span', { class: 'muted' }, approver ? `${wf.ownerId} asked (you are asked for a second approval): ` : 'You asked: '), `“${wf.originalMessage}”`) : null,
      h(
        'dl',
        { class: 'wf-facts' },
        h('div', {}, h('dt', {}, 'State'), h('dd', { class: `plan-state plan-${wf.planState}`, 'data-plan-state': wf.planState }, `${PLAN_ICON[wf.planState] ?? ''} ${PLAN_STATE_LABEL[wf.planState] ?? wf.planState}`)),
        h('div', {}, h('dt', {}, 'Approval'), h('dd', {}, APPROVAL_LABEL[wf.approvalStatus] ?? wf.approvalStatus)),
        h('div', {}, h('dt', {}, 'Steps'), h('dd', {}, String(wf.totalSteps || wf.steps.length))),
        h('div', {}, h('dt', {}, 'Estimated duration'), h('dd', {}, wf.estimatedDuration || '—')),
        h('div', {}, h('dt', {}, 'Version'), h('dd', { 'data-version': wf.version }, String(wf.version))),
        wf.expiresAt && !terminal ? h('div', {}, h('dt', {}, expiryLabel(wf.planState)), h('dd', {}, h('time', { datetime: new Date(wf.expiresAt).toISOString() }, relativeTime(wf.expiresAt)))) : null,
      ),
      wf.risks.length
        ? h(
            'div',
            { class: 'risks' },
            h('h3', {}, 'Risks'),
            h('ul', {}, wf.risks.map((r) => h('li', {}, h('span', { class: `badge risk risk-${r.level}` }, h('span', { 'aria-hidden': 'true' }, RISK_ICON[r.level] ?? ''), ` ${RISK_LABEL[r.level]}`), ' ', h('a', { href: `#step-${r.stepId}` }, name(r.stepId)), `: ${r.description}`))),
          )
        : null,
      banners,
      planActions,
    ),
    h('div', { class: 'wf-body' },
      h('section', { class: 'graph-section', 'aria-labelledby': 'graph-title' }, h('h3', { id: 'graph-title' }, 'Dependency graph'), renderGraph(wf, actions.focusStep)),
      h('section', { class: 'steps-section', 'aria-labelledby': 'steps-title' }, h('h3', { id: 'steps-title' }, 'Steps'), h('ol', { class: 'steps' }, wf.steps.map((s) => renderStepCard(s, wf, actions, busy, viewer)))),
    ),
    h(
      'details',
      { class: 'activity', open: true },
      h('summary', {}, `Activity (${wf.log.length})`),
      h('ol', { class: 'log' }, [...wf.log].reverse().map((e) => h('li', { class: `log-${e.tone}`, 'data-event-id': e.eventId }, h('time', { datetime: new Date(e.time).toISOString() }, clockTime(e.time)), ' ', e.text))),
    ),
  );
}
