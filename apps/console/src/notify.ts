import { compareEventIds, isLoggedEventId, type ApprovalPreferences } from '@wfa/protocol';
import { h } from './dom';
import { PLAN_STATE_LABEL, STEP_STATE_LABEL } from './labels';
import type { ServerEvent, StatusPayload } from './types';

export type NotificationPrefs = ApprovalPreferences['notifications'];

const SHOW_MS = 6000;
const MAX_TOASTS = 3;

/** Names for a toast: a step's title and a workflow's summary, when the page knows them. */
export interface Namer {
  step(sessionId: string, stepId: string): string | undefined;
  workflow(sessionId: string): string | undefined;
}

/**
 * Tells the user about the changes `preferences.notifications` lists: a short toast in the page
 * and, only while the tab is hidden and permission was granted, a browser Notification.
 *
 * A change is one that happens while this page follows the workflow. The first snapshot of a
 * workflow this page has heard nothing of sets what is known, and the replay up to its
 * `asOfEventId` is history, not news. A later snapshot (a re-subscribe after a decision, or a
 * reconnect) changes nothing here: the gateway sends after it every logged event this socket has
 * not had, in order, and those are news even when their ids are below `asOfEventId` (a step that
 * started while the snapshot was read arrives just after it). An event seen once is never told
 * twice (ids only increase).
 */
export class Notifier {
  readonly element = h('div', { class: 'toasts' });
  private prefs: NotificationPrefs | undefined;
  private readonly seen = new Map<string, string>();
  private readonly plans = new Map<string, string>();
  private readonly steps = new Map<string, string>();

  constructor(private readonly names: Namer) {}

  setPreferences(prefs: NotificationPrefs): void {
    this.prefs = prefs;
  }

  consider(ev: ServerEvent): void {
    const sid = ev.sessionId;
    // A subscribe's snapshot (its id is never a logged one's), as the store tells it.
    if (ev.type === 'WORKFLOW_STATUS' && !isLoggedEventId(ev.eventId)) {
      if (this.seen.has(sid)) return;
      const p = ev.payload as StatusPayload;
      this.seen.set(sid, p.asOfEventId ?? '0-0');
      this.plans.set(sid, p.planState);
      for (const s of p.steps) this.steps.set(`${sid}:${s.id}`, s.state);
      return;
    }
    const last = this.seen.get(sid);
    if (last && compareEventIds(ev.eventId, last) <= 0) return;
    this.seen.set(sid, ev.eventId);
    if (ev.type === 'WORKFLOW_STATUS' || ev.type === 'WORKFLOW_DRAFT') {
      const state = (ev.payload as { planState: string }).planState;
      const before = this.plans.get(sid);
      this.plans.set(sid, state);
      if (state !== before && this.prefs?.planStateChanges.includes(state as never)) {
        const name = this.names.workflow(sid);
        this.show(`Workflow ${PLAN_STATE_LABEL[state]?.toLowerCase() ?? state}${name ? `: ${name}` : ''}`, 'plan', state);
      }
    } else if (ev.type === 'STEP_EXECUTION') {
      const p = (ev as ServerEvent<'STEP_EXECUTION'>).payload;
      // A progress report is no change of state.
      if (p.status === 'running' && p.progress !== undefined && p.progress > 0) return;
      const key = `${sid}:${p.stepId}`;
      const before = this.steps.get(key);
      this.steps.set(key, p.status);
      const name = this.names.step(sid, p.stepId) ?? p.stepId;
      if (p.interventionRequired && this.prefs?.interventionRequired) this.show(`${name}: needs your input`, 'intervention', p.status);
      else if (p.status !== before && this.prefs?.stepStateChanges.includes(p.status)) this.show(`${name}: ${STEP_STATE_LABEL[p.status] ?? p.status}`, 'step', p.status);
    }
  }

  private show(text: string, kind: string, state: string): void {
    const toast = h('div', { class: 'toast', role: 'status', 'data-kind': kind, 'data-state': state }, text);
    this.element.appendChild(toast);
    while (this.element.children.length > MAX_TOASTS) this.element.firstElementChild?.remove();
    window.setTimeout(() => toast.remove(), SHOW_MS);
    if (document.hidden && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      try {
        new Notification('Approval console', { body: text });
      } catch {
        // some browsers only notify from a service worker: the toast stays
      }
    }
  }
}

const PERMISSION_TEXT: Record<string, string> = {
  default: 'Browser notifications are off. They are shown only while this tab is in the background.',
  granted: 'Browser notifications are on while this tab is in the background.',
  denied: 'Browser notifications are blocked for this site (change it in the browser’s site settings).',
};

/** The one place that asks for Notification permission: a button the user presses. */
export function permissionControl(): HTMLElement {
  const supported = typeof Notification !== 'undefined';
  const note = h('span', { class: 'hint', id: 'pref-notify-state' }, supported ? PERMISSION_TEXT[Notification.permission] : 'This browser cannot show notifications.');
  const button = h('button', { type: 'button', class: 'btn small', 'data-action': 'allow-notifications', 'aria-describedby': 'pref-notify-state', hidden: !supported || Notification.permission !== 'default' }, 'Allow browser notifications');
  button.addEventListener('click', async () => {
    const answer = await Notification.requestPermission();
    note.textContent = PERMISSION_TEXT[answer] ?? '';
    button.hidden = answer !== 'default';
    if (button.hidden) note.focus();
  });
  note.setAttribute('tabindex', '-1');
  return h('div', { class: 'notify-permission' }, button, note);
}
