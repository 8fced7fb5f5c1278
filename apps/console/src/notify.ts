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
 * A change logged at most this long before a re-subscribe's snapshot is still news when it arrives
 * after it (it raced the subscribe, or happened during a short drop of the connection); an older
 * one is history: the page shows it, but no toast tells it hours late.
 */
const FRESH_MS = 60_000;

/** What is known of one plan or step: its state, and the id of the event that said so (none: a snapshot did). */
interface Known {
  state: string;
  eventId?: string;
}

/**
 * Tells the user about the changes `preferences.notifications` lists: a short toast in the page
 * and, only while the tab is hidden and permission was granted, a browser Notification.
 *
 * An event is told once, and only if it is newer than the last event told of the same plan or step
 * (events may arrive out of order across a reconnect). A subscribe's snapshot says where the
 * workflow stands up to its `asOfEventId`; the gateway then sends every logged event this socket
 * has not had, in order, ids at or below `asOfEventId` included ("catch-up"). Catch-up after the
 * first snapshot of a workflow the page knew nothing of is history (opening an old workflow toasts
 * nothing); after a later snapshot (the re-subscribe after each decision, a reconnect) it is news
 * when it is fresh (FRESH_MS): a step that started while the snapshot was read arrives just after
 * it and is told.
 */
export class Notifier {
  readonly element = h('div', { class: 'toasts' });
  private prefs: NotificationPrefs | undefined;
  /** Per plan (`plan:<sid>`) and step (`step:<sid>:<id>`). */
  private readonly known = new Map<string, Known>();
  /** Each workflow's last snapshot: up to which event, at what time, and whether it was the page's first sight of it. */
  private readonly snapshots = new Map<string, { asOf: string; at: number; first: boolean }>();

  constructor(private readonly names: Namer) {}

  setPreferences(prefs: NotificationPrefs): void {
    this.prefs = prefs;
  }

  consider(ev: ServerEvent): void {
    const sid = ev.sessionId;
    // A subscribe's snapshot (its id is never a logged one's), as the store tells it.
    if (ev.type === 'WORKFLOW_STATUS' && !isLoggedEventId(ev.eventId)) {
      const p = ev.payload as StatusPayload;
      const first = !this.snapshots.has(sid) && !this.known.has(`plan:${sid}`);
      this.snapshots.set(sid, { asOf: p.asOfEventId ?? '0-0', at: ev.timestamp, first });
      // The snapshot's states stand for what came before only where no event said anything yet.
      this.learn(`plan:${sid}`, p.planState);
      for (const s of p.steps) this.learn(`step:${sid}:${s.id}`, s.state);
      return;
    }
    if (ev.type === 'WORKFLOW_STATUS' || ev.type === 'WORKFLOW_DRAFT') {
      const state = (ev.payload as { planState: string }).planState;
      if (!this.note(ev, `plan:${sid}`, state).changed || !this.prefs?.planStateChanges.includes(state as never)) return;
      const name = this.names.workflow(sid);
      this.show(`Workflow ${PLAN_STATE_LABEL[state]?.toLowerCase() ?? state}${name ? `: ${name}` : ''}`, 'plan', state);
    } else if (ev.type === 'STEP_EXECUTION') {
      const p = (ev as ServerEvent<'STEP_EXECUTION'>).payload;
      // A progress report is no change of state.
      if (p.status === 'running' && p.progress !== undefined && p.progress > 0) return;
      const { news, changed } = this.note(ev, `step:${sid}:${p.stepId}`, p.status);
      const name = this.names.step(sid, p.stepId) ?? p.stepId;
      if (news && p.interventionRequired && this.prefs?.interventionRequired) this.show(`${name}: needs your input`, 'intervention', p.status);
      else if (changed && this.prefs?.stepStateChanges.includes(p.status)) this.show(`${name}: ${STEP_STATE_LABEL[p.status] ?? p.status}`, 'step', p.status);
    }
  }

  private learn(key: string, state: string): void {
    if (!this.known.has(key)) this.known.set(key, { state });
  }

  /**
   * Records the event's state for `key`. `news`: the event is newer than the last one of `key`
   * and fresh; `changed`: and its state differs from the one known before it.
   */
  private note(ev: ServerEvent, key: string, state: string): { news: boolean; changed: boolean } {
    const was = this.known.get(key);
    if (was?.eventId && compareEventIds(ev.eventId, was.eventId) <= 0) return { news: false, changed: false };
    this.known.set(key, { state, eventId: ev.eventId });
    if (!this.isFresh(ev)) return { news: false, changed: false };
    // A snapshot's state is the outcome of the catch-up that follows it, not what came before it.
    const before = !was?.eventId && this.isCatchUp(ev) ? undefined : was?.state;
    return { news: true, changed: state !== before };
  }

  private isCatchUp(ev: ServerEvent): boolean {
    const snap = this.snapshots.get(ev.sessionId);
    return snap !== undefined && compareEventIds(ev.eventId, snap.asOf) <= 0;
  }

  /** Not history: live, or catch-up after a later snapshot that happened shortly before it. */
  private isFresh(ev: ServerEvent): boolean {
    const snap = this.snapshots.get(ev.sessionId);
    if (!snap || !this.isCatchUp(ev)) return true;
    return !snap.first && ev.timestamp >= snap.at - FRESH_MS;
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
