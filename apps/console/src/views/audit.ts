/**
 * SPEC §6.11 in the console: the workflow's audit log, newest first, in plain words, under the
 * answer of its verify call. Read-only.
 */
import type { AuditEntry, AuditVerification } from '@wfa/protocol';
import { h } from '../dom';
import { APPROVAL_LABEL, PLAN_STATE_LABEL, STEP_STATE_LABEL, stepTitle } from '../labels';
import type { WorkflowVM } from '../types';
import { modal, type ModalHandle } from './modal';

const ACTION_WORDS: Record<string, string> = {
  created: 'Created the plan',
  approved: 'Approved',
  rejected: 'Rejected',
  modified: 'Changed',
  skipped: 'Skipped',
  state_changed: 'Step',
  plan_state_changed: 'Plan',
  changed: 'Recorded',
  compensated: 'Undone',
  not_compensated: 'Could not undo',
};

/** What asked for a change, in the console's words ("WORKFLOW_APPROVAL approve_all" → "Approve all"). */
const CAUSE_WORDS: Record<string, string> = {
  USER_MESSAGE: 'your request',
  WORKFLOW_SUBMIT: 'a submitted plan',
  'WORKFLOW_APPROVAL approve_all': 'Approve all',
  'WORKFLOW_APPROVAL approve_step': 'Approve',
  'WORKFLOW_APPROVAL reject_step': 'Reject',
  'WORKFLOW_APPROVAL modify_step': 'Edit',
  'WORKFLOW_APPROVAL cancel_all': 'Cancel all',
  'step started': 'a worker started the step',
  'step finished': 'the step ended',
  'rollback carried out': 'the rollback',
};

function causeWords(cause: string): string {
  const known = CAUSE_WORDS[cause];
  if (known) return known;
  const [type = '', detail] = cause.split(' ', 2);
  const family: Record<string, string> = {
    WORKFLOW_EDIT: 'Edit',
    CONFLICT_RESOLUTION: 'Answer to a conflict',
    INTERVENTION_RESPONSE: 'Answer to a question',
    FAILURE_RESOLUTION: 'Answer to a failure',
    timer: 'a timer',
  };
  const words = family[type] ?? type;
  return detail ? `${words}: ${cause.slice(type.length + 1).replace(/_/g, ' ')}` : words;
}

function clock(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** "pending → running", or the approval's change when the state stayed. */
function change(e: AuditEntry): string {
  const b = e.before as Record<string, string> | null;
  const a = e.after as Record<string, string>;
  const label = (labels: Record<string, string>, v: string) => labels[v] ?? v;
  const moved = (field: string, labels: Record<string, string>) =>
    b && b[field] !== a[field] ? `${label(labels, b[field]!)} → ${label(labels, a[field]!)}` : undefined;
  if ('planState' in a) return moved('planState', PLAN_STATE_LABEL) ?? label(PLAN_STATE_LABEL, a['planState']!);
  return moved('state', STEP_STATE_LABEL) ?? moved('approvalStatus', APPROVAL_LABEL) ?? '';
}

function changedParams(e: AuditEntry): string {
  const b = (e.before as { params?: Record<string, unknown> } | null)?.params;
  const a = (e.after as { params?: Record<string, unknown> }).params;
  if (!a || !b || e.action !== 'modified') return '';
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]));
  return keys.map((k) => `${k}: ${JSON.stringify(b[k]) ?? '—'} → ${JSON.stringify(a[k]) ?? '—'}`).join('; ');
}

function verdict(v: AuditVerification): HTMLElement {
  if (v.valid) {
    const how = v.keyed ? 'each sealed with the service’s audit key' : 'each chained to the one before';
    return h('p', { class: 'notice good', role: 'status', 'data-audit-valid': 'true' }, `✓ The log verifies: ${v.count} ${v.count === 1 ? 'entry' : 'entries'}, ${how}.`);
  }
  const p = v.problem;
  // The list is numbered by each entry's own seq; the problem counts places in the log.
  const entry = p?.position === undefined ? undefined : p.seq !== undefined && p.seq !== p.position ? `The entry in place ${p.position} (numbered ${p.seq})` : `Entry ${p.position}`;
  const where = entry ? `${entry} ${p!.reason}.` : `${p?.reason ? p.reason[0]!.toUpperCase() + p.reason.slice(1) : 'It does not hold together'}.`;
  if (p?.code === 'unverifiable') {
    return h('p', { class: 'notice warn', role: 'status', 'data-audit-valid': 'unknown' }, `? This server cannot check the log. ${where} Ask your operator to give every server the same audit key.`);
  }
  return h('p', { class: 'notice bad', role: 'alert', 'data-audit-valid': 'false' }, `✕ The log does not verify. ${where}`);
}

export function auditDialog(wf: WorkflowVM, entries: AuditEntry[], verification: AuditVerification, hasOlder = false): ModalHandle {
  // Only a workflow's owner may read its log, and the owner is who created it.
  const me = entries.find((e) => e.action === 'created')?.userId;
  const name = (id?: string) => {
    const s = id ? wf.steps.find((x) => x.id === id) : undefined;
    return s ? stepTitle(s) : (id ?? '');
  };
  const rows = [...entries].reverse().map((e) => {
    const who = e.actorKind === 'system' ? 'The service' : e.userId === me ? 'You' : e.userId;
    const what = [ACTION_WORDS[e.action] ?? e.action, e.stepId ? name(e.stepId) : '', change(e)].filter(Boolean).join(' · ');
    const detail = [changedParams(e), e.reason ? `“${e.reason}”` : ''].filter(Boolean).join(' ');
    const suspect = !verification.valid && verification.problem?.seq === e.seq;
    return h(
      'li',
      { value: e.seq, 'data-audit-seq': String(e.seq), 'data-audit-action': e.action, class: suspect ? 'audit-suspect' : undefined },
      suspect ? h('span', { class: 'badge', title: verification.problem?.reason }, '✕ does not verify') : null,
      suspect ? ' ' : null,
      h('time', { datetime: new Date(e.timestamp).toISOString() }, clock(e.timestamp)),
      ' ',
      h('strong', {}, who),
      ` ${what}`,
      detail ? h('span', { class: 'audit-detail' }, ` ${detail}`) : null,
      h('span', { class: 'muted audit-cause', title: e.cause }, ` (${causeWords(e.cause)}${e.ipAddress ? `, from ${e.ipAddress}` : ''})`),
    );
  });
  return modal({
    kind: 'audit',
    title: 'Audit log',
    intro: [verdict(verification)],
    body: [
      h('ol', { class: 'audit-log', reversed: true }, rows),
      ...(hasOlder ? [h('p', { class: 'muted', 'data-audit-older': 'true' }, `Showing the latest ${entries.length} of ${verification.count} entries; the check above covers them all.`)] : []),
    ],
    buttons: [],
    dismissLabel: 'Close',
  });
}
