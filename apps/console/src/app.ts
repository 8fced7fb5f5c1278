import { isTerminalPlanState, type ApprovalPreferences, type ApprovalPreferencesPatch, type AuditEntry, type AuditVerification } from '@wfa/protocol';
import { viewerOf } from './viewer';
import { Connection, type ConnState } from './connection';
import { announce, h, replace } from './dom';
import { FocusKeeper } from './focus';
import { PLAN_STATE_LABEL, plainError, STEP_STATE_LABEL, stepTitle } from './labels';
import { Notifier, permissionControl } from './notify';
import { Prompts, ended, promptKey } from './prompts';
import { Store } from './store';
import type { Ack, ServerEvent, WorkflowSummary } from './types';
import { conflictDialog, confirmDialog, editDialog, failureDialog, interventionDialog, rejectDialog, type Refusal } from './views/dialogs';
import { auditDialog } from './views/audit';
import { renderInbox } from './views/inbox';
import { preferencesDialog } from './views/preferences';
import { modalOpen, setFocusFallback } from './views/modal';
import { renderRequestBox } from './views/request';
import { renderWorkflow, type WorkflowActions } from './views/workflow';

const CURRENT_KEY = 'wfa.current';

function hashWorkflow(): string | undefined {
  const m = /^#wf=(wf_[A-Za-z0-9_-]+)$/.exec(location.hash);
  return m?.[1];
}

/** The console: one connection, one store for the open workflow, the inbox beside it. */
export class App {
  private conn: Connection | undefined;
  private readonly store = new Store();
  private inbox: WorkflowSummary[] | undefined;
  private busy = false;
  private readonly prompts = new Prompts();
  private inboxTimer: number | undefined;
  private readonly statusEl = h('span', { class: 'conn conn-connecting', role: 'status', 'data-conn': 'connecting' }, 'Connecting…');
  private readonly errorEl = h('div', { class: 'error-banner', role: 'alert', hidden: true });
  private readonly inboxEl = h('div', { class: 'inbox-wrap' });
  private readonly workflowEl = h('div', { class: 'workflow-wrap' });
  private readonly focus = new FocusKeeper(this.workflowEl);
  /** The user's preferences as last loaded or saved (its `notifications` decide the toasts). */
  private prefs: ApprovalPreferences | undefined;
  private readonly notifier = new Notifier({
    step: (sid, id) => {
      const s = sid === this.store.wf?.sessionId ? this.store.step(id) : undefined;
      return s?.description ? stepTitle(s) : undefined;
    },
    workflow: (sid) => (sid === this.store.wf?.sessionId ? this.store.wf.summary : this.inbox?.find((w) => w.sessionId === sid)?.summary) || undefined,
  });

  /** The signed-in user (their token's `sub`): tells their own plans from those they second-approve. */
  private readonly viewer: string | undefined;

  constructor(private readonly root: HTMLElement, private readonly token: string, private readonly onSignOut: () => void, private readonly onUnauthorized: (msg: string) => void) {
    this.viewer = viewerOf(token);
  }

  start(): void {
    replace(
      this.root,
      h('header', { class: 'top' }, h('h1', {}, 'Approval console'), h('div', { class: 'top-right' }, this.statusEl, h('button', { type: 'button', class: 'btn small ghost', 'data-action': 'preferences', onclick: () => void this.openPreferences() }, 'Preferences'), h('button', { type: 'button', class: 'btn small ghost', onclick: () => this.signOut() }, 'Sign out'))),
      this.errorEl,
      h('div', { id: 'live', class: 'visually-hidden', 'aria-live': 'polite' }),
      this.notifier.element,
      h('div', { class: 'layout' }, h('aside', { class: 'side' }, this.inboxEl), h('main', { id: 'main', tabindex: -1 }, renderRequestBox((t, mode) => this.request(t, mode)), this.workflowEl)),
    );
    // A dialog whose opener was re-rendered away gives the focus back to the workflow, not to <body>.
    setFocusFallback(() => this.focus.regain());
    let shownId: string | undefined;
    this.store.onChange((wf) => {
      this.prompts.onChange(wf);
      this.renderWorkflow();
      if (wf?.sessionId !== shownId) {
        shownId = wf?.sessionId;
        this.renderInbox();
      }
    });
    document.addEventListener('click', (ev) => {
      const a = (ev.target as Element | null)?.closest?.('a[href^="#step-"]');
      if (a) {
        ev.preventDefault();
        this.focusStep(a.getAttribute('href')!.slice('#step-'.length));
      }
    });
    window.addEventListener('hashchange', () => {
      const id = hashWorkflow();
      if (id && id !== this.store.wf?.sessionId) this.openWorkflow(id);
    });
    const initial = hashWorkflow() ?? sessionStorage.getItem(CURRENT_KEY) ?? undefined;
    if (initial) this.store.open(initial);
    this.render();
    this.conn = new Connection(this.token, {
      onEvent: (ev) => this.onEvent(ev),
      onState: (s, d) => this.onConnState(s, d),
      onConnect: () => {
        void this.refreshInbox();
        void this.loadPreferences();
        if (this.store.wf) void this.subscribe();
      },
    });
    window.setInterval(() => {
      if (!modalOpen()) this.render();
    }, 30_000);
  }

  private signOut(): void {
    this.conn?.close();
    this.onSignOut();
  }

  private onConnState(state: ConnState, detail?: string): void {
    const text = { connecting: 'Connecting…', online: '● Connected', offline: '○ Reconnecting…', unauthorized: 'Not signed in' }[state];
    this.statusEl.textContent = text;
    this.statusEl.className = `conn conn-${state}`;
    this.statusEl.dataset['conn'] = state;
    if (state === 'unauthorized') {
      this.conn?.close();
      this.onUnauthorized(detail ?? 'unauthorized');
    }
  }

  showError(text: string | undefined): void {
    this.errorEl.hidden = !text;
    replace(this.errorEl, text ? [h('span', {}, `⚠ ${text}`), h('button', { type: 'button', class: 'btn small ghost', onclick: () => this.showError(undefined) }, 'Dismiss')] : []);
  }

  private render(): void {
    this.renderInbox();
    this.renderWorkflow();
  }

  private renderInbox(): void {
    const active = document.activeElement as HTMLElement | null;
    const inboxKey = active && this.inboxEl.contains(active) ? active.closest('[data-session-id]')?.getAttribute('data-session-id') : undefined;
    replace(this.inboxEl, renderInbox(this.inbox, this.store.wf?.sessionId, (id) => this.openWorkflow(id), () => this.newRequest(), this.viewer));
    if (inboxKey) this.inboxEl.querySelector<HTMLElement>(`[data-session-id="${inboxKey}"] button`)?.focus();
  }

  private renderWorkflow(): void {
    this.focus.render(() => replace(this.workflowEl, this.store.wf ? renderWorkflow(this.store.wf, this.actions, this.busy, this.viewer) : null));
  }

  private onEvent(ev: ServerEvent): void {
    const wf = this.store.wf;
    const before = wf?.steps.find((s) => ev.type === 'STEP_EXECUTION' && s.id === (ev.payload as { stepId: string }).stepId)?.state;
    const applied = this.store.apply(ev);
    this.notifier.consider(ev);
    if (!applied || ev.sessionId !== this.store.wf?.sessionId || ['WORKFLOW_DRAFT', 'WORKFLOW_STATUS', 'DEPENDENCY_CONFLICT', 'WORKFLOW_REMINDER'].includes(ev.type)) this.scheduleInbox();
    // A late event (older than one shown already) adds its line to the list, and nothing to announce.
    if (applied !== 'applied') return;
    if (ev.type === 'STEP_EXECUTION') {
      const p = (ev as ServerEvent<'STEP_EXECUTION'>).payload;
      const s = this.store.step(p.stepId);
      if (s && before !== p.status) announce(`${stepTitle(s)}: ${STEP_STATE_LABEL[p.status] ?? p.status}`);
      if (s && p.status === 'completed' && s.result?.success === false) this.scheduleInbox();
    } else if (ev.type === 'WORKFLOW_STATUS' && isTerminalPlanState((ev as ServerEvent<'WORKFLOW_STATUS'>).payload.planState)) {
      announce(this.prompts.takeEndNote(`Workflow ${PLAN_STATE_LABEL[(ev as ServerEvent<'WORKFLOW_STATUS'>).payload.planState]?.toLowerCase()}`));
    } else if (ev.type === 'DEPENDENCY_CONFLICT') announce('A dependency conflict needs your decision');
    window.setTimeout(() => this.maybePrompt(), 0);
  }

  private async loadPreferences(): Promise<ApprovalPreferences | undefined> {
    const ack = await this.conn?.send('PREFERENCES_GET', {});
    if (!ack?.ok) return undefined;
    this.keepPreferences(ack['preferences'] as ApprovalPreferences);
    return this.prefs;
  }

  private keepPreferences(prefs: ApprovalPreferences): void {
    this.prefs = prefs;
    this.notifier.setPreferences(prefs.notifications);
  }

  private async openPreferences(): Promise<void> {
    if (modalOpen()) return;
    const prefs = await this.loadPreferences();
    if (!prefs) return this.showError('Your preferences could not be loaded. Please try again.');
    if (modalOpen()) return;
    preferencesDialog(
      prefs,
      async (patch: ApprovalPreferencesPatch) => {
        const ack = await this.conn!.send('PREFERENCES_SET', { preferences: patch });
        if (!ack.ok) return { text: plainError(ack.error), details: ack.error.details };
        this.keepPreferences(ack['preferences'] as ApprovalPreferences);
        announce('Preferences saved.');
        return undefined;
      },
      permissionControl(),
      () => window.setTimeout(() => this.maybePrompt(), 0),
    );
  }

  private scheduleInbox(): void {
    window.clearTimeout(this.inboxTimer);
    this.inboxTimer = window.setTimeout(() => void this.refreshInbox(), 250);
  }

  private async refreshInbox(): Promise<void> {
    if (!this.conn) return;
    const ack = await this.conn.send('WORKFLOW_LIST', {});
    if (ack.ok) {
      this.inbox = (ack['workflows'] as WorkflowSummary[]) ?? [];
      this.renderInbox();
    }
  }

  private async subscribe(): Promise<void> {
    const wf = this.store.wf;
    if (!wf || !this.conn) return;
    // Always the whole log: the view skips what it applied already (applied-events.ts). From a
    // lastEventId the gateway would leave out what this socket got live, and the view drops live
    // events of a workflow it is not showing (another one open, or the socket reconnected meanwhile).
    const ack = await this.conn.send('WORKFLOW_SUBSCRIBE', {}, wf.sessionId);
    if (!ack.ok) {
      if (ack.error.code === 'not_found') {
        this.store.forget(wf.sessionId);
        this.store.close();
        sessionStorage.removeItem(CURRENT_KEY);
        history.replaceState(null, '', location.pathname);
      }
      this.showError(plainError(ack.error));
    }
  }

  openWorkflow(sessionId: string): void {
    this.showError(undefined);
    sessionStorage.setItem(CURRENT_KEY, sessionId);
    if (location.hash !== `#wf=${sessionId}`) history.replaceState(null, '', `#wf=${sessionId}`);
    this.store.open(sessionId);
    void this.subscribe();
  }

  private newRequest(): void {
    this.store.close();
    sessionStorage.removeItem(CURRENT_KEY);
    history.replaceState(null, '', location.pathname);
    document.getElementById('request-input')?.focus();
  }

  private async request(message: string, mode: 'review_all' | 'step_by_step'): Promise<string | undefined> {
    if (!this.conn) return 'Not connected yet.';
    const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const ack = await this.conn.send('USER_MESSAGE', { message, timezone, localDatetime: new Date().toISOString(), mode });
    if (!ack.ok) return plainError(ack.error);
    this.openWorkflow(ack['sessionId'] as string);
    void this.refreshInbox();
    return undefined;
  }

  /**
   * Send a mutating message with the version the user decided on (`seen`: by default the last one
   * this page knows; an edit form passes the one it was opened on, so an edit made meanwhile in
   * another tab is not overwritten unseen; null sends none, for cancel_all, which stands whatever
   * changed). On success re-sync, on failure explain.
   */
  private async decide(type: string, payload: Record<string, unknown>, seen?: number | null): Promise<string | undefined> {
    return (await this.decideWithDetails(type, payload, seen))?.text;
  }

  /** `decide`, keeping the refusal's details (an edit form places per-field issues with them). */
  private async decideWithDetails(type: string, payload: Record<string, unknown>, seen?: number | null): Promise<Refusal | undefined> {
    const wf = this.store.wf;
    if (!wf || !this.conn) return { text: 'No workflow is open.' };
    this.busy = true;
    this.renderWorkflow();
    const expectedVersion = seen === undefined ? wf.version : seen;
    let ack: Ack;
    try {
      ack = await this.conn.send(type, expectedVersion === null ? payload : { ...payload, expectedVersion }, wf.sessionId);
    } finally {
      this.busy = false;
    }
    if (ack.ok) {
      const v = ack['version'];
      if (typeof v === 'number') this.store.patch((w) => (w.version = Math.max(w.version, v)));
      this.showError(undefined);
      void this.subscribe();
      this.scheduleInbox();
      return undefined;
    }
    const text = plainError(ack.error);
    if (ack.error.code === 'conflict' || ack.error.code === 'invalid_state') void this.subscribe();
    this.renderWorkflow();
    return { text, details: ack.error.details };
  }

  private async openAudit(): Promise<void> {
    const wf = this.store.wf;
    if (!wf || !this.conn) return;
    const ack = await this.conn.send('WORKFLOW_AUDIT', {}, wf.sessionId);
    if (!ack.ok) return this.showError(plainError(ack.error));
    if (this.store.wf?.sessionId !== wf.sessionId || modalOpen()) return;
    this.showError(undefined);
    auditDialog(this.store.wf, ack['entries'] as AuditEntry[], ack['verification'] as AuditVerification, ack['hasOlder'] === true);
  }

  private async decideOrShow(type: string, payload: Record<string, unknown>): Promise<void> {
    const err = await this.decide(type, payload);
    if (err) this.showError(err);
  }

  private focusStep(stepId: string): void {
    const card = document.getElementById(`step-${stepId}`);
    if (!card) return;
    card.scrollIntoView({ behavior: 'smooth', block: 'start' });
    card.focus({ preventScroll: true });
  }

  /**
   * Conflicts, interventions and failures open their dialog by themselves, once each; not before
   * the workflow's draft is in (a subscribe's snapshot comes first and names no step, so a dialog
   * opened on it would call steps by their ids).
   */
  private maybePrompt(): void {
    const wf = this.store.wf;
    const next = wf?.hasDraft && !modalOpen() ? this.prompts.next(wf) : undefined;
    if (next?.kind === 'conflict') this.actions.openConflict(next.stepId);
    else if (next?.kind === 'intervention') this.actions.openIntervention(next.stepId);
    else if (next?.kind === 'failure') this.actions.openFailure();
  }

  private readonly actions: WorkflowActions = {
    approve: (id) => void this.decideOrShow('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: id }),
    reject: (id) => {
      const s = this.store.step(id);
      if (s) this.prompts.track(rejectDialog(s, (reason) => this.decide('WORKFLOW_APPROVAL', { action: 'reject_step', stepId: id, ...(reason ? { reason } : {}) })));
    },
    skip: (id) => void this.decideOrShow('WORKFLOW_EDIT', { operation: 'skip_step', stepId: id }),
    edit: (id) => {
      const s = this.store.step(id);
      const opened = this.store.wf?.version;
      if (s) this.prompts.track(editDialog(s, (newParams) => this.decideWithDetails('WORKFLOW_EDIT', { operation: 'modify_params', stepId: id, newParams }, opened)));
    },
    restore: (id) => void this.decideOrShow('WORKFLOW_EDIT', { operation: 'restore_params', stepId: id }),
    approveAll: () => void this.decideOrShow('WORKFLOW_APPROVAL', { action: 'approve_all' }),
    cancelAll: () =>
      this.prompts.track(
        confirmDialog('cancel', 'Cancel the whole workflow?', 'Nothing more will run. Steps already done stay done.', 'Cancel workflow', () => this.decide('WORKFLOW_APPROVAL', { action: 'cancel_all' }, null)),
      ),
    openConflict: (stepId) => {
      const wf = this.store.wf;
      const c = wf?.conflicts.find((x) => x.stepId === stepId);
      if (!wf || !c || ended(wf)) return;
      const key = promptKey.conflict(wf, stepId);
      const prompt = conflictDialog(
        wf,
        c,
        async (option, value) => {
          const err = await this.decide('CONFLICT_RESOLUTION', { stepId, option, ...(value !== undefined ? { value } : {}) });
          if (!err) this.store.patch((w) => (w.conflicts = w.conflicts.filter((x) => x.stepId !== stepId)));
          return err;
        },
        (decided) => {
          if (!decided && !this.prompts.end(prompt)) this.prompts.dismiss(key);
          window.setTimeout(() => this.maybePrompt(), 0);
        },
      );
      this.prompts.watch(prompt, (w) => w.sessionId === wf.sessionId && w.conflicts.some((x) => x.stepId === stepId));
    },
    openIntervention: (stepId) => {
      const wf = this.store.wf;
      const s = this.store.step(stepId);
      if (!wf || !s?.intervention || ended(wf)) return;
      const asked = s.intervention.params.timestamp;
      const key = promptKey.intervention(wf, s.id, asked);
      const prompt = interventionDialog(
        s,
        (option, value) => this.decide('INTERVENTION_RESPONSE', { stepId, option, ...(value !== undefined ? { value } : {}) }),
        (decided) => {
          const stale = this.prompts.end(prompt);
          this.prompts.dismiss(key);
          if (decided || stale) window.setTimeout(() => this.maybePrompt(), 0);
        },
      );
      this.prompts.watch(prompt, (w) => {
        const now = w.sessionId === wf.sessionId ? w.steps.find((x) => x.id === stepId) : undefined;
        return now?.state === 'waiting_intervention' && now.intervention?.params.timestamp === asked;
      });
    },
    openFailure: () => {
      const wf = this.store.wf;
      const pf = wf?.partialFailure;
      if (!wf || !pf || ended(wf)) return;
      const prompt = failureDialog(
        wf,
        pf,
        (action) => this.decide('FAILURE_RESOLUTION', { action }),
        () => {
          if (!this.prompts.end(prompt)) this.prompts.dismiss(promptKey.failure(wf, pf.failedStep));
        },
      );
      this.prompts.watch(prompt, (w) => w.sessionId === wf.sessionId && w.partialFailure?.failedStep === pf.failedStep);
    },
    openAudit: () => void this.openAudit(),
    dismissImpacts: () => this.store.patch((w) => delete w.impacts),
    focusStep: (id) => this.focusStep(id),
  };
}
