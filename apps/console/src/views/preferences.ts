import { ALL_ACTIONS, ActionTypeSchema, PlanStateSchema, StepStateSchema, type ApprovalPreferences, type ApprovalPreferencesPatch } from '@wfa/protocol';
import { h } from '../dom';
import { ACTION_LABEL, ACTION_TYPE_LABEL, PLAN_STATE_LABEL, STEP_STATE_LABEL } from '../labels';
import { issueList, plainFieldIssue } from '../plain-issues';
import { FieldErrors } from './field-errors';
import type { Refusal } from './dialogs';
import { modal, type ModalHandle } from './modal';

const MINUTE = 60_000;

const DEFAULT_ACTIONS: Array<[ApprovalPreferences['timeout']['defaultAction'], string, string]> = [
  ['save_draft', 'Keep the draft', 'Nothing is decided; you can still look at it later.'],
  ['auto_reject', 'Reject the undecided steps', 'Nothing more runs unless you approved it.'],
  ['auto_approve', 'Approve the low-risk steps only', 'Undecided low-risk steps are approved, the others rejected.'],
];

const CHECKS: Array<[string, string]> = [
  ['approvalsEnabled', 'Ask for my approval before steps run (off: every step runs at once, high-risk ones too)'],
  ['autoApprove.lowRiskSteps', 'Approve low-risk steps by themselves'],
  ['alwaysConfirm.highRiskActions', 'Always ask me about high-risk steps'],
  ['alwaysConfirm.emailSends', 'Always ask me before an email is sent'],
  ['alwaysConfirm.calendarWrites', 'Always ask me before my calendar is changed'],
  ['notifications.interventionRequired', 'Tell me when a step needs my input'],
];

const HIGH_RISK_HINT = 'High-risk steps are always asked about.';

type Values = { [K in keyof ApprovalPreferences]: Partial<ApprovalPreferences[K]> | boolean };

/** The "Preferences" dialog: the user's approval preferences, saved as a patch of what changed. */
export function preferencesDialog(prefs: ApprovalPreferences, save: (patch: ApprovalPreferencesPatch) => Promise<Refusal | undefined>, notifyButton: HTMLElement, onClose?: () => void): ModalHandle {
  const errors = new FieldErrors();
  const field = (key: string, control: HTMLElement, ...rest: Node[]): HTMLElement => {
    const id = `${controlId(key)}-error`;
    const el = h('p', { class: 'field-error', id });
    control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
    errors.add(key, control, el);
    return h('div', { class: 'field', 'data-field': key }, ...rest, el);
  };

  const timeout = h('input', { id: 'pref-timeout', type: 'number', min: 1, step: 'any', inputmode: 'numeric', value: prefs.timeout.timeoutMs / MINUTE, 'aria-describedby': 'pref-timeout-help' });
  const reminders = h('input', { id: 'pref-reminders', type: 'text', inputmode: 'numeric', value: prefs.timeout.reminderIntervals.map((ms) => ms / MINUTE).join(', '), 'aria-describedby': 'pref-reminders-help' });
  const actions = h(
    'fieldset',
    { class: 'choices' },
    h('legend', {}, 'When the time runs out'),
    DEFAULT_ACTIONS.map(([value, label, help]) =>
      h(
        'div',
        { class: 'check' },
        h('input', { type: 'radio', name: 'pref-action', id: `pref-action-${value}`, value, checked: prefs.timeout.defaultAction === value, 'aria-describedby': `pref-action-${value}-help` }),
        h('label', { for: `pref-action-${value}` }, label, ' ', h('span', { class: 'hint', id: `pref-action-${value}-help` }, help)),
      ),
    ),
  );
  const checkbox = (key: string, label: string): HTMLElement => {
    const id = controlId(key);
    const input = h('input', { type: 'checkbox', id, checked: get(prefs, key) === true });
    return field(key, input, h('div', { class: 'check' }, input, h('label', { for: id }, label)));
  };
  /** Checkboxes for a list-valued preference (`section.key`), one per possible value. */
  const group = (path: string, legend: string, values: readonly string[], labels: Record<string, string>, hint?: string): HTMLElement => {
    const chosen = (get(prefs, path) as string[] | undefined) ?? [];
    const id = controlId(path);
    const box = h(
      'fieldset',
      { class: 'choices', id, tabindex: -1, ...(hint ? { 'aria-describedby': `${id}-help` } : {}) },
      h('legend', {}, legend),
      hint ? h('p', { class: 'hint', id: `${id}-help` }, hint) : [],
      values.map((v) => h('div', { class: 'check' }, h('input', { type: 'checkbox', id: `${id}-${v}`, name: path, value: v, checked: chosen.includes(v) }), h('label', { for: `${id}-${v}` }, labels[v] ?? v))),
    );
    return field(path, box, box);
  };
  const maxSteps = h('input', { id: 'pref-maxSteps', type: 'number', min: 0, max: 1000, step: 1, inputmode: 'numeric', value: prefs.autoApprove.maxStepsWithoutConfirmation, 'aria-describedby': 'pref-maxSteps-help' });

  const form = h(
    'form',
    { class: 'prefs-form', novalidate: true },
    field('timeout.timeoutMs', timeout, h('label', { for: 'pref-timeout' }, 'Approval timeout (minutes)'), timeout, h('span', { class: 'hint', id: 'pref-timeout-help' }, 'How long a draft waits for your decisions.')),
    field('timeout.defaultAction', actions, actions),
    field('timeout.reminderIntervals', reminders, h('label', { for: 'pref-reminders' }, 'Reminders (minutes after the draft was shown)'), reminders, h('span', { class: 'hint', id: 'pref-reminders-help' }, 'Separated by commas, e.g. 15, 60. Leave empty for none.')),
    CHECKS.map(([key, label]) => checkbox(key, label)),
    group('autoApprove.actionTypes', 'Also approve by themselves: steps of these kinds', ActionTypeSchema.options, ACTION_TYPE_LABEL, HIGH_RISK_HINT),
    group('autoApprove.specificActions', 'Also approve by themselves: these actions', ALL_ACTIONS, ACTION_LABEL, HIGH_RISK_HINT),
    field(
      'autoApprove.maxStepsWithoutConfirmation',
      maxSteps,
      h('label', { for: 'pref-maxSteps' }, 'Approve every step of plans with at most this many steps'),
      maxSteps,
      h('span', { class: 'hint', id: 'pref-maxSteps-help' }, `0: never. ${HIGH_RISK_HINT}`),
    ),
    group('alwaysConfirm.actionTypes', 'Always ask me about steps of these kinds', ActionTypeSchema.options, ACTION_TYPE_LABEL, 'Asked about even when a choice above would approve them.'),
    group('notifications.planStateChanges', 'Tell me when a workflow becomes', PlanStateSchema.options, PLAN_STATE_LABEL),
    group('notifications.stepStateChanges', 'Tell me when a step becomes', StepStateSchema.options, STEP_STATE_LABEL),
    h('div', { class: 'field' }, notifyButton),
  );
  form.addEventListener('submit', (ev) => ev.preventDefault());

  const read = (): Values | string => {
    const minutes = Number(timeout.value.trim());
    const list = reminders.value.split(',').map((x) => x.trim()).filter(Boolean);
    if (list.some((x) => !/^\d+(\.\d+)?$/.test(x))) return show('timeout.reminderIntervals', 'Enter minutes as numbers separated by commas.');
    if (!/^\d+$/.test(maxSteps.value.trim())) return show('autoApprove.maxStepsWithoutConfirmation', 'Enter a whole number of steps (0: never).');
    const checked = (key: string) => (document.getElementById(controlId(key)) as HTMLInputElement).checked;
    const states = (key: string) => [...form.querySelectorAll<HTMLInputElement>(`input[name="${key}"]:checked`)].map((i) => i.value);
    return {
      timeout: {
        timeoutMs: timeout.value.trim() === '' ? (NaN as number) : Math.round(minutes * MINUTE),
        defaultAction: (form.querySelector<HTMLInputElement>('input[name="pref-action"]:checked')?.value ?? prefs.timeout.defaultAction) as ApprovalPreferences['timeout']['defaultAction'],
        reminderIntervals: list.map((x) => Math.round(Number(x) * MINUTE)),
      },
      approvalsEnabled: checked('approvalsEnabled'),
      autoApprove: {
        lowRiskSteps: checked('autoApprove.lowRiskSteps'),
        actionTypes: states('autoApprove.actionTypes') as never,
        specificActions: states('autoApprove.specificActions'),
        maxStepsWithoutConfirmation: Number(maxSteps.value.trim()),
      },
      alwaysConfirm: {
        highRiskActions: checked('alwaysConfirm.highRiskActions'),
        emailSends: checked('alwaysConfirm.emailSends'),
        calendarWrites: checked('alwaysConfirm.calendarWrites'),
        actionTypes: states('alwaysConfirm.actionTypes') as never,
      },
      notifications: { interventionRequired: checked('notifications.interventionRequired'), planStateChanges: states('notifications.planStateChanges') as never, stepStateChanges: states('notifications.stepStateChanges') as never },
    };
  };

  /** A complaint of the page's own check: next to its field, and the dialog's message. */
  function show(key: string, text: string): string {
    return errors.mark([{ key, text }]).marked ? 'Please fix the highlighted field.' : text;
  }

  return modal({
    kind: 'preferences',
    title: 'Preferences',
    intro: [h('p', { class: 'muted' }, 'How drafts wait for you, and what this console tells you about.')],
    body: [form],
    buttons: [
      {
        label: 'Save preferences',
        cls: 'btn primary',
        attrs: { 'data-action': 'save-preferences' },
        run: async () => {
          errors.clear();
          const values = read();
          if (typeof values === 'string') return values;
          const refused = await save(changes(prefs, values));
          if (!refused) return undefined;
          // The server's complaints (zod issues, their path under `preferences`) go next to their fields.
          const list = issues(refused.details).map((i) => ({ key: i.key, text: plainFieldIssue(inMinutes(i.key, i.message)) }));
          const { marked } = errors.mark(list);
          return marked ? `Please fix the highlighted field${marked > 1 ? 's' : ''}.` : refused.text;
        },
      },
    ],
    ...(onClose ? { onClose } : {}),
  });
}

/** Only what differs from the loaded preferences. */
function changes(before: ApprovalPreferences, values: Values): ApprovalPreferencesPatch {
  const patch: Record<string, unknown> = {};
  for (const [section, v] of Object.entries(values)) {
    const old = before[section as keyof ApprovalPreferences];
    if (typeof v === 'boolean') {
      if (v !== old) patch[section] = v;
      continue;
    }
    const diff = Object.fromEntries(Object.entries(v).filter(([k, x]) => same(x) !== same((old as Record<string, unknown>)[k])));
    if (Object.keys(diff).length) patch[section] = diff;
  }
  return patch as ApprovalPreferencesPatch;
}

/** The element id of a preference's control (`autoApprove.lowRiskSteps` → `pref-autoApprove-lowRiskSteps`); its error line adds `-error`. */
function controlId(key: string): string {
  return `pref-${key.replace('.', '-')}`;
}

/** A value as compared for "changed?": lists of choices in any order are the same choice. */
function same(v: unknown): string {
  return JSON.stringify(Array.isArray(v) ? [...v].sort() : v);
}

function get(prefs: ApprovalPreferences, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], prefs);
}

/** zod issues as `{ key: "timeout.timeoutMs", message }`, whether under `preferences` (the payload) or not (the merged record). */
function issues(details: unknown): Array<{ key: string; message: string }> {
  return issueList(details).map(({ path: raw, message }) => {
    const path = raw.filter((p): p is string => typeof p === 'string');
    if (path[0] === 'preferences') path.shift();
    return { key: path[0] === 'approvalsEnabled' ? path[0] : path.slice(0, 2).join('.'), message };
  });
}

/** Timeout and reminders are kept in ms and shown in minutes: so are the bounds a complaint names. */
function inMinutes(key: string, message: string): string {
  if (!key.startsWith('timeout.') || key === 'timeout.defaultAction') return message;
  return message.replace(/\d{5,}/g, (n) => String(Number(n) / MINUTE));
}
