import { ProtocolError, type ApprovalAction, type EditOperation } from '@wfa/protocol';

/**
 * Which optional fields each decision reads (the seed: `stepId` "required for step-specific
 * actions", `modifications` "for modify_step"). The schemas let every field through for every
 * action (the seed's message has one flat shape); a field that would change what the decision
 * does, but that this decision does not read, is refused here: applying the rest and silently
 * dropping it (`approve_step` with `modifications` ran the step with its old params) is worse than
 * asking the client to say what it means. `reason` is only a note: it is kept by reject_step and
 * cancel_all and accepted, unused, on the others. `expectedVersion` is read by every decision.
 */
type Fields = { stepId: 'required' | 'refused'; change: 'required' | 'refused' };

const APPROVAL_FIELDS: Record<ApprovalAction, Fields> = {
  approve_all: { stepId: 'refused', change: 'refused' },
  approve_step: { stepId: 'required', change: 'refused' },
  reject_step: { stepId: 'required', change: 'refused' },
  modify_step: { stepId: 'required', change: 'required' },
  cancel_all: { stepId: 'refused', change: 'refused' },
};

const EDIT_FIELDS: Record<EditOperation, Pick<Fields, 'change'>> = {
  modify_params: { change: 'required' },
  skip_step: { change: 'refused' },
  approve_step: { change: 'refused' },
  reject_step: { change: 'refused' },
  restore_params: { change: 'refused' },
};

const APPROVAL_HINT: Partial<Record<ApprovalAction, string>> = {
  approve_step: ' (to change its params, send modify_step, then approve it)',
  approve_all: ' (it approves every pending step)',
  cancel_all: ' (it cancels the whole workflow)',
};
const EDIT_HINT: Partial<Record<EditOperation, string>> = {
  approve_step: ' (to change its params, send modify_params, then approve it)',
};

/** WORKFLOW_APPROVAL: each field present must be one its action reads, and each it needs present. */
export function assertApprovalFields(p: { action: ApprovalAction; stepId?: string; modifications?: unknown }): void {
  const f = APPROVAL_FIELDS[p.action];
  const hint = APPROVAL_HINT[p.action];
  check(p.action, 'stepId', p.stepId !== undefined, f.stepId, hint);
  check(p.action, 'modifications', p.modifications !== undefined, f.change, hint);
}

/** One WORKFLOW_EDIT operation (single or in a batch): the same rule for `newParams`. */
export function assertEditFields(e: { operation: EditOperation; newParams?: unknown }): void {
  check(e.operation, 'newParams', e.newParams !== undefined, EDIT_FIELDS[e.operation].change, EDIT_HINT[e.operation]);
}

function check(what: string, field: string, present: boolean, rule: 'required' | 'refused', hint = ''): void {
  if (rule === 'required' && !present) throw new ProtocolError('invalid_message', `${what} needs ${field}`, { field });
  if (rule === 'refused' && present) throw new ProtocolError('invalid_message', `${what} takes no ${field}${hint}`, { field });
}
