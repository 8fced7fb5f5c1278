import { plainText } from './plain-issues';
import type { StepVM } from './types';

export const STEP_STATE_LABEL: Record<string, string> = {
  pending: 'Not started',
  running: 'Running',
  completed: 'Done',
  failed: 'Failed',
  waiting_intervention: 'Needs your input',
  timeout: 'Timed out',
  skipped: 'Skipped',
};

export const APPROVAL_LABEL: Record<string, string> = {
  draft_pending: 'Awaiting your decision',
  step_approved: 'Approved',
  step_rejected: 'Rejected',
  step_modified: 'Modified, needs approval',
  waiting_user_approval: 'Waiting for a second approval',
  user_cancelled: 'Cancelled',
};

export const PLAN_STATE_LABEL: Record<string, string> = {
  created: 'Draft, waiting for decisions',
  running: 'Running',
  waiting_intervention: 'Paused, needs you',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** Step kinds (the protocol's action types) in the words of the Preferences dialog. */
export const ACTION_TYPE_LABEL: Record<string, string> = {
  calendar: 'Calendar',
  task: 'Tasks',
  contact: 'Contacts',
  email: 'Email',
  analysis: 'Summaries',
  system: 'Questions to me',
};

/** Each action the product can run, as a person would name it. */
export const ACTION_LABEL: Record<string, string> = {
  list_events: 'Look at my calendar',
  create_event: 'Add a calendar event',
  find_free_time: 'Find free time',
  list_tasks: 'List my tasks',
  create_task: 'Add a task',
  update_task: 'Change a task',
  complete_task: 'Complete a task',
  search_contacts: 'Look up a contact',
  get_all_contacts: 'List my contacts',
  create_contact: 'Add a contact',
  send_email: 'Send an email',
  create_draft: 'Write an email draft',
  fetch_emails: 'Read my emails',
  summarize: 'Summarize',
  user_intervention: 'Ask me a question',
};

export const RISK_LABEL: Record<string, string> = { low: 'Low risk', medium: 'Medium risk', high: 'High risk' };
/** Risk is never shown by colour alone: each level has its own symbol and words. */
export const RISK_ICON: Record<string, string> = { low: '●', medium: '▲', high: '⬢' };

export const STATE_ICON: Record<string, string> = {
  pending: '○',
  running: '↻',
  completed: '✓',
  failed: '✕',
  waiting_intervention: '?',
  timeout: '⌛',
  skipped: '↷',
};

export const FAILURE_ACTION_LABEL: Record<string, { label: string; help: string }> = {
  retry_failed: { label: 'Retry the failed step', help: 'Run the failed step again.' },
  skip_failed: { label: 'Skip the failed step', help: 'Leave it out; steps that need it are handled by their dependency rules.' },
  rollback_all: { label: 'Roll back everything', help: 'Undo what the completed steps did (events and drafts they created).' },
  continue_remaining: { label: 'Continue with the rest', help: 'Run the remaining steps that do not need the failed one.' },
};

export const IMPACT_LABEL: Record<string, string> = {
  will_use_fallback: 'will use its fallback value',
  needs_review: 'needs your review again',
  will_be_skipped: 'will be skipped',
  will_wait: 'will wait',
  will_ask_user: 'will ask you what to do',
  value_dropped: 'will run without this value',
  unaffected: 'is not affected',
};

/** The word shown for a step's combined state ("Approved", "Running 40%", ...). */
export function stepStatusText(step: StepVM): string {
  if (step.state === 'pending') return APPROVAL_LABEL[step.approvalStatus] ?? step.approvalStatus;
  if (step.state === 'running' && step.progress !== undefined) return `Running ${Math.round(step.progress)}%`;
  return STEP_STATE_LABEL[step.state] ?? step.state;
}

export function stepTitle(step: Pick<StepVM, 'order' | 'userFriendlyDescription' | 'description'>): string {
  return `${step.order}. ${step.userFriendlyDescription || step.description}`;
}

/** SPEC §5 error codes in plain words (zod's wording inside a message too). */
export function plainError(error: { code: string; message: string; details?: unknown }): string {
  error = { ...error, message: plainText(error.message) };
  switch (error.code) {
    case 'conflict':
      return 'This workflow changed since you last looked (perhaps in another tab). The view is now up to date: please check it and try again.';
    case 'invalid_state':
      return `That can no longer be done: ${error.message}.`;
    case 'not_found':
      return 'This workflow no longer exists (it may have expired or finished).';
    case 'unauthorized':
      return 'Your sign-in is no longer valid. Please sign in again.';
    case 'forbidden':
      return `You are not allowed to do that: ${error.message}.`;
    case 'invalid_message':
      return `The server did not accept that: ${error.message}.`;
    case 'invalid_plan':
      return `That plan cannot run: ${error.message}.`;
    case 'limit_exceeded':
      return `A limit was reached: ${error.message}.`;
    case 'rate_limited':
      return 'Too many actions at once. Please wait a moment and try again.';
    case 'unavailable':
      return 'The service is temporarily unavailable. Nothing was lost; please try again shortly.';
    case 'timeout':
      return 'The server did not answer in time. Please check your connection and try again.';
    default:
      return `Something went wrong: ${error.message}`;
  }
}

/**
 * What a workflow's `expiresAt` means in its state (docs/DECISIONS.md): for a draft, when its
 * approval window ends (or a kept draft goes); once it runs, when it is removed if nothing changes.
 */
export function expiryLabel(planState: string): string {
  return planState === 'created' ? 'Draft expires' : 'Removed if left alone';
}

/** The same as one phrase, `when` being relative ("in 2 h"): for a line of the inbox. */
export function expirySentence(planState: string, when: string): string {
  return planState === 'created' ? `Expires ${when}` : `Removed ${when} if left alone`;
}
