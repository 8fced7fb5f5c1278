/** Per-action facts for drafts: risk (seed ACTION_RISK_LEVELS), time, permissions, labels. */
import type { ActionName, RiskLevel } from '@wfa/protocol';

/** Seed `ACTION_RISK_LEVELS` (SPEC §6.1: the table wins over the MVP snippet). */
export const ACTION_RISK_LEVELS: Record<ActionName, RiskLevel> = {
  list_events: 'low',
  create_event: 'medium',
  find_free_time: 'low',
  list_tasks: 'low',
  create_task: 'low',
  update_task: 'medium',
  complete_task: 'medium',
  search_contacts: 'low',
  get_all_contacts: 'low',
  create_contact: 'medium',
  send_email: 'high',
  create_draft: 'medium',
  fetch_emails: 'low',
  summarize: 'low',
  user_intervention: 'low',
};

export interface ActionInfo {
  /** Typical run time in seconds, for `estimatedTime` / `estimatedDuration`. */
  seconds: number;
  /** Summary label, seed style ("Contact lookup → Email composition → ..."). */
  label: string;
  /** Short noun for option texts ("Skip email step"). */
  noun: string;
  permissions: string[];
  /** What a medium/high-risk step will do, for `risks`. */
  riskText?: string;
}

export const ACTION_INFO: Record<ActionName, ActionInfo> = {
  list_events: { seconds: 10, label: 'Calendar review', noun: 'calendar', permissions: ['calendar:read'] },
  create_event: {
    seconds: 20,
    label: 'Calendar event creation',
    noun: 'calendar',
    permissions: ['calendar:write'],
    riskText: 'Will create an event in your calendar',
  },
  find_free_time: { seconds: 15, label: 'Free time search', noun: 'free time', permissions: ['calendar:read'] },
  list_tasks: { seconds: 10, label: 'Task review', noun: 'task list', permissions: ['tasks:read'] },
  create_task: { seconds: 15, label: 'Task creation', noun: 'task', permissions: ['tasks:write'] },
  update_task: { seconds: 15, label: 'Task update', noun: 'task', permissions: ['tasks:write'], riskText: 'Will change an existing task' },
  complete_task: {
    seconds: 10,
    label: 'Task completion',
    noun: 'task',
    permissions: ['tasks:write'],
    riskText: 'Will mark an existing task as completed',
  },
  search_contacts: { seconds: 10, label: 'Contact lookup', noun: 'contact lookup', permissions: ['contacts:read'] },
  get_all_contacts: { seconds: 10, label: 'Contact listing', noun: 'contact list', permissions: ['contacts:read'] },
  create_contact: {
    seconds: 15,
    label: 'Contact creation',
    noun: 'contact',
    permissions: ['contacts:write'],
    riskText: 'Will add a contact to your address book',
  },
  send_email: {
    seconds: 30,
    label: 'Email sending',
    noun: 'email',
    permissions: ['email:send'],
    riskText: 'Will send an email on your behalf; a sent email cannot be recalled',
  },
  create_draft: {
    seconds: 30,
    label: 'Email composition',
    noun: 'email',
    permissions: ['email:write'],
    riskText: 'Will create a draft in your mailbox',
  },
  fetch_emails: { seconds: 20, label: 'Email retrieval', noun: 'inbox', permissions: ['email:read'] },
  summarize: { seconds: 30, label: 'Summary', noun: 'summary', permissions: ['analysis:run'] },
  user_intervention: { seconds: 60, label: 'Your input', noun: 'question', permissions: [] },
};

export function actionInfo(action: string): ActionInfo {
  return (ACTION_INFO as Record<string, ActionInfo | undefined>)[action] ?? {
    seconds: 30,
    label: action,
    noun: action,
    permissions: [],
  };
}

export function riskLevelOf(action: string): RiskLevel {
  return (ACTION_RISK_LEVELS as Record<string, RiskLevel | undefined>)[action] ?? 'high';
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.round(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** "1-2 minutes" from summed step estimates (each step's time, run one after another). */
export function formatDuration(totalSeconds: number): string {
  const lo = Math.max(1, Math.ceil(totalSeconds / 60));
  return `${lo}-${lo + 1} minutes`;
}
