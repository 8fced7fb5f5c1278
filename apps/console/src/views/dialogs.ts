import { interventionAnswerOf } from '@wfa/protocol';
import { h } from '../dom';
import { FAILURE_ACTION_LABEL, stepTitle } from '../labels';
import type { ConflictVM, PartialFailure, StepVM, WorkflowVM } from '../types';
import { issuesOf } from '../plain-issues';
import { modal, type ModalHandle } from './modal';
import { buildParamForm } from './param-form';

type Send<A extends unknown[]> = (...args: A) => Promise<string | undefined>;

/** An open question's dialog, which the app closes when the server says the question is gone. */
export interface Prompt {
  close(): void;
}

const nameOf = (wf: WorkflowVM, id: string | undefined): string => {
  const s = id ? wf.steps.find((x) => x.id === id) : undefined;
  return s ? stepTitle(s) : (id ?? 'a step');
};

export function rejectDialog(step: StepVM, send: Send<[string]>): ModalHandle {
  const input = h('textarea', { id: 'reject-reason', rows: 3, maxlength: 1000, placeholder: 'e.g. wrong recipient' });
  return modal({
    kind: 'reject',
    title: `Reject step ${step.order}?`,
    intro: [h('p', {}, stepTitle(step)), h('p', { class: 'muted' }, 'Steps that depend on it are handled by their dependency rules; you may be asked what to do.')],
    body: [h('div', { class: 'field' }, h('label', { for: 'reject-reason' }, 'Reason (optional)'), input)],
    buttons: [{ label: 'Reject step', cls: 'btn bad', run: () => send(input.value.trim()), attrs: { 'data-action': 'confirm-reject' } }],
  });
}

/** A refused decision: its plain text, and the server's error details (`issues` per field, if any). */
export interface Refusal {
  text: string;
  details?: unknown;
}

export function editDialog(step: StepVM, send: (changes: Record<string, unknown>) => Promise<Refusal | undefined>): ModalHandle {
  const form = buildParamForm(step.id, step.action, step.params);
  return modal({
    kind: 'edit',
    title: `Edit step ${step.order}: ${step.action}`,
    intro: [h('p', {}, stepTitle(step)), h('p', { class: 'muted' }, 'An edited step needs your approval again. Values are checked before they are sent.')],
    body: [form.element],
    buttons: [
      {
        label: 'Save changes',
        cls: 'btn primary',
        attrs: { 'data-action': 'save-edit' },
        run: async () => {
          const changes = form.read();
          if (!changes) return 'Please fix the highlighted fields.';
          const refused = await send(changes);
          if (!refused) return undefined;
          // The server's own check (the same schemas): its complaints go next to their fields too.
          return form.showIssues(issuesOf(refused.details)) ? 'Please fix the highlighted fields.' : refused.text;
        },
      },
    ],
  });
}

/** A dependency conflict: exactly the options the server offered. */
export function conflictDialog(wf: WorkflowVM, c: ConflictVM, send: Send<[string, unknown?]>, onClose: (decided: boolean) => void): Prompt {
  const needsValue = c.options.some((o) => o.action === 'provide_value');
  const input = h('input', { id: 'conflict-value', type: 'text', autocomplete: 'off' });
  return modal({
    kind: 'conflict',
    title: `Step ${wf.steps.find((s) => s.id === c.stepId)?.order ?? ''} cannot run as planned`,
    intro: [
      h('p', {}, h('strong', {}, nameOf(wf, c.stepId)), ` needs ${nameOf(wf, c.missingDependency)}, which will not provide its result.`),
      h('p', {}, c.issue),
    ],
    body: needsValue ? [h('div', { class: 'field' }, h('label', { for: 'conflict-value' }, 'Value to use instead (only for “provide a value”)'), input)] : [],
    stacked: true,
    buttons: c.options.map((o) => ({
      label: o.description,
      cls: o.action === 'skip_dependent' ? 'btn' : 'btn primary',
      describe: o.impact,
      attrs: { 'data-option': o.action },
      run: () => {
        if (o.action === 'provide_value') {
          const v = input.value.trim();
          if (!v) {
            input.focus();
            return 'Type the value to use first.';
          }
          return send(o.action, v);
        }
        return send(o.action);
      },
    })),
    dismissLabel: 'Decide later',
    onClose,
  });
}

export function interventionDialog(step: StepVM, send: Send<[string, unknown?]>, onClose: (decided: boolean) => void): Prompt | undefined {
  const iv = step.intervention;
  if (!iv) return undefined;
  const entity = iv.params.entityToResolve;
  const input = h('input', { id: 'intervention-value', type: 'text', autocomplete: 'off' });
  const anyInput = iv.options.some((o) => interventionAnswerOf(o, step.action).needsInput);
  return modal({
    kind: 'intervention',
    title: `Step ${step.order} needs your input`,
    intro: [h('p', {}, h('strong', {}, stepTitle(step))), h('p', {}, iv.params.reason || iv.reason), h('p', { class: 'muted' }, `If nobody answers within ${Math.round(iv.timeout / 60)} minutes the step times out.`)],
    body: anyInput ? [h('div', { class: 'field' }, h('label', { for: 'intervention-value' }, entity ? `Your answer (${entity.type.toLowerCase()} “${entity.value}”)` : 'Your answer'), input)] : [],
    stacked: false,
    buttons: iv.options.map((label) => {
      const m = interventionAnswerOf(label, step.action);
      return {
        label,
        cls: m.option === 'skip' ? 'btn' : 'btn primary',
        attrs: { 'data-option': m.option },
        run: () => {
          if (!m.needsInput) return send(m.option, m.option === 'provide_value' ? label : undefined);
          const v = input.value.trim();
          if (!v) {
            input.focus();
            return 'Type your answer in the box first.';
          }
          if (m.option === 'retry') return send('retry', v);
          // A plain answer (e.g. an email address) goes as a string: the server maps it onto the step's result.
          try {
            const parsed: unknown = JSON.parse(v);
            if (parsed && typeof parsed === 'object') return send('provide_value', parsed);
          } catch {
            // plain text answer
          }
          return send('provide_value', v);
        },
      };
    }),
    dismissLabel: 'Decide later',
    onClose,
  });
}

export function failureDialog(wf: WorkflowVM, pf: PartialFailure, send: Send<[string]>, onClose: (decided: boolean) => void): Prompt {
  const failed = wf.steps.find((s) => s.id === pf.failedStep);
  const error = failed?.result?.error ?? failed?.message;
  return modal({
    kind: 'failure',
    title: `Step ${failed?.order ?? ''} failed`,
    intro: [
      h('p', {}, h('strong', {}, nameOf(wf, pf.failedStep)), ' could not be completed', error ? `: ${error}` : '.'),
      h('p', {}, `Done: ${pf.completedSteps.length ? pf.completedSteps.map((id) => nameOf(wf, id)).join(', ') : 'nothing yet'}.`),
      h('p', {}, `Not run yet: ${pf.remainingSteps.length ? pf.remainingSteps.map((id) => nameOf(wf, id)).join(', ') : 'nothing'}.`),
    ],
    stacked: true,
    buttons: pf.userOptions.map((action) => ({
      label: FAILURE_ACTION_LABEL[action]?.label ?? action,
      cls: action === 'rollback_all' ? 'btn bad' : 'btn primary',
      describe: FAILURE_ACTION_LABEL[action]?.help ?? '',
      attrs: { 'data-option': action },
      run: () => send(action),
    })),
    dismissLabel: 'Decide later',
    onClose,
  });
}

export function confirmDialog(kind: string, title: string, text: string, confirmLabel: string, run: () => Promise<string | undefined>): ModalHandle {
  return modal({ kind, title, intro: [h('p', {}, text)], buttons: [{ label: confirmLabel, cls: 'btn bad', run, attrs: { 'data-action': `confirm-${kind}` } }], dismissLabel: 'Keep it' });
}
