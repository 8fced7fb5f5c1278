import type { Page } from 'playwright-core';
import { startGateway, startWorker, type Proc } from '../support/processes';
import { TestClient, isType, tokenFor } from '../support/client';
import { openPage, requestDraft, screenshot, signInWithToken, waitPlanState, useConsole } from './harness';

/** Open the Preferences dialog from the header, with the keyboard. */
async function openPreferences(page: Page) {
  await page.getByRole('button', { name: 'Preferences' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Preferences' });
  await dialog.waitFor();
  return dialog;
}

/** Every toast the page shows from now on, even one already gone by the time it is read. */
async function recordToasts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const shown: Array<{ kind: string; state: string; role: string; text: string }> = [];
    (window as unknown as { toasts: typeof shown }).toasts = shown;
    new MutationObserver((records) => {
      for (const r of records)
        for (const n of Array.from(r.addedNodes))
          if (n instanceof HTMLElement && n.matches('.toast')) shown.push({ kind: n.dataset['kind'] ?? '', state: n.dataset['state'] ?? '', role: n.getAttribute('role') ?? '', text: n.textContent ?? '' });
    }).observe(document, { childList: true, subtree: true });
  });
}

function toastsShown(page: Page): Promise<Array<{ kind: string; state: string; role: string; text: string }>> {
  return page.evaluate(() => (window as unknown as { toasts: Array<{ kind: string; state: string; role: string; text: string }> }).toasts);
}

/** The preferences dialog, and the notifications the console shows as they come. */
describe('approval console: preferences', () => {
  const ui = useConsole({ worker: { DEMO_USER: 'console-prefs' } });

  it('saves a new timeout and default action, which another device of the user then reads', async () => {
    const token = tokenFor(`console-prefs-save-${Date.now()}`);
    const other = await TestClient.connect(ui.stack.gateway.url, token);
    const { page, errors, context } = await openPage(ui.browser);
    try {
      await signInWithToken(page, ui.stack.gateway.url, token);
      const dialog = await openPreferences(page);
      // Loaded with the user's current values (the defaults: 2 hours, keep the draft).
      await expect(dialog.getByLabel('Approval timeout (minutes)').inputValue()).resolves.toBe('120');
      await expect(dialog.getByLabel(/^Keep the draft/).isChecked()).resolves.toBe(true);

      await dialog.getByLabel('Approval timeout (minutes)').fill('30');
      await dialog.getByLabel(/^Reject the undecided steps/).check();
      await screenshot(page, 'prefs-1-dialog');
      await dialog.getByRole('button', { name: 'Save preferences' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.waitForFunction(() => document.getElementById('live')?.textContent === 'Preferences saved.');

      const { preferences } = await other.sendOk('PREFERENCES_GET', {});
      expect(preferences.timeout).toEqual({ timeoutMs: 30 * 60_000, defaultAction: 'auto_reject', reminderIntervals: [] });
      // Nothing else changed.
      expect(preferences.alwaysConfirm.highRiskActions).toBe(true);

      // Opened again, the dialog shows what was saved.
      const again = await openPreferences(page);
      await expect(again.getByLabel('Approval timeout (minutes)').inputValue()).resolves.toBe('30');
      await expect(again.getByLabel(/^Reject the undecided steps/).isChecked()).resolves.toBe(true);
      expect(errors).toEqual([]);
    } finally {
      other.close();
      await context.close();
    }
  });

  it('shows a refused value in plain words next to its field and changes nothing', async () => {
    const token = tokenFor(`console-prefs-bad-${Date.now()}`);
    const other = await TestClient.connect(ui.stack.gateway.url, token);
    const { page, errors, context } = await openPage(ui.browser);
    try {
      await other.sendOk('PREFERENCES_SET', { preferences: { timeout: { reminderIntervals: [15 * 60_000] } } });
      const { preferences: before } = await other.sendOk('PREFERENCES_GET', {});
      await signInWithToken(page, ui.stack.gateway.url, token);
      const dialog = await openPreferences(page);
      const reminders = dialog.getByLabel(/^Reminders/);
      await expect(reminders.inputValue()).resolves.toBe('15');

      await reminders.fill('10, 10');
      await dialog.getByLabel(/^Approve the low-risk steps only/).check();
      await dialog.getByRole('button', { name: 'Save preferences' }).click();
      const error = dialog.locator('#pref-timeout-reminderIntervals-error');
      await dialog.locator('#pref-reminders[aria-invalid="true"]').waitFor();
      await expect(error.innerText()).resolves.toBe('The same reminder is listed twice.');
      await expect(reminders.getAttribute('aria-invalid')).resolves.toBe('true');
      await screenshot(page, 'prefs-2-refused');

      await reminders.fill('10');
      const timeout = dialog.getByLabel('Approval timeout (minutes)');
      await timeout.fill('0');
      const maxSteps = dialog.getByLabel(/^Approve every step of plans/);
      await maxSteps.fill('1001');
      await dialog.getByRole('button', { name: 'Save preferences' }).click();
      // The server refuses both: each complaint by its field, focus on the first of them in the form.
      await dialog.locator('#pref-timeout[aria-invalid="true"]').waitFor();
      await expect(dialog.locator('#pref-timeout-timeoutMs-error').innerText()).resolves.toBe('Enter more than 0.');
      await expect(maxSteps.getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(dialog.locator('#pref-autoApprove-maxStepsWithoutConfirmation-error').innerText()).resolves.toBe('Enter 1000 or less.');
      await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('pref-timeout');
      await expect(dialog.innerText()).resolves.toContain('Please fix the highlighted fields.');
      await expect(dialog.innerText()).resolves.not.toMatch(/Invalid input|expected|received|timeoutMs|reminderIntervals/);
      await expect(dialog.isVisible()).resolves.toBe(true);

      const { preferences: after } = await other.sendOk('PREFERENCES_GET', {});
      expect(after).toEqual(before);
      expect(errors).toEqual([]);
    } finally {
      other.close();
      await context.close();
    }
  });

  it('edits which kinds and actions approve by themselves, and the next draft follows them', async () => {
    const token = tokenFor(`console-prefs-auto-${Date.now()}`);
    const other = await TestClient.connect(ui.stack.gateway.url, token);
    const { page, errors, context } = await openPage(ui.browser);
    try {
      await signInWithToken(page, ui.stack.gateway.url, token);
      const dialog = await openPreferences(page);
      const kinds = dialog.getByRole('group', { name: 'Also approve by themselves: steps of these kinds' });
      const actions = dialog.getByRole('group', { name: 'Also approve by themselves: these actions' });
      const askKinds = dialog.getByRole('group', { name: 'Always ask me about steps of these kinds' });
      const maxSteps = dialog.getByLabel('Approve every step of plans with at most this many steps');
      // Loaded with the defaults: nothing chosen, 0 steps.
      await expect(kinds.getByLabel('Contacts').isChecked()).resolves.toBe(false);
      await expect(maxSteps.inputValue()).resolves.toBe('0');

      await kinds.getByLabel('Contacts').check();
      await actions.getByLabel('Add a task').check();
      await askKinds.getByLabel('Calendar').check();
      // A number the server refuses is shown next to its field in plain words, and nothing is saved.
      await maxSteps.fill('5000');
      await dialog.getByRole('button', { name: 'Save preferences' }).click();
      await dialog.locator('#pref-maxSteps[aria-invalid="true"]').waitFor();
      await expect(dialog.locator('#pref-autoApprove-maxStepsWithoutConfirmation-error').innerText()).resolves.toBe('Enter 1000 or less.');
      const { preferences: unchanged } = await other.sendOk('PREFERENCES_GET', {});
      expect(unchanged.autoApprove.actionTypes).toEqual([]);

      await maxSteps.fill('1');
      await screenshot(page, 'prefs-4-auto-approve');
      await dialog.getByRole('button', { name: 'Save preferences' }).click();
      await dialog.waitFor({ state: 'detached' });
      const { preferences } = await other.sendOk('PREFERENCES_GET', {});
      expect(preferences.autoApprove).toEqual({ lowRiskSteps: false, actionTypes: ['contact'], specificActions: ['create_task'], maxStepsWithoutConfirmation: 1 });
      expect(preferences.alwaysConfirm.actionTypes).toEqual(['calendar']);

      // The next draft: the contact and the task arrive approved, each saying which rule did it;
      // the calendar event, of a kind always asked about, waits for the user.
      const { sessionId } = await other.sendOk('WORKFLOW_SUBMIT', {
        plan: {
          steps: [
            { id: 'add', type: 'contact', action: 'create_contact', description: 'Add Jane', params: { name: 'Jane Roe', email: 'jane.roe@company.com' } },
            { id: 'todo', type: 'task', action: 'create_task', description: 'Call Jane', params: { title: 'Call Jane' } },
            { id: 'meet', type: 'calendar', action: 'create_event', description: 'Meet Jane', params: { title: 'Meet Jane' } },
          ],
        },
      });
      const draft = await other.waitFor(isType('WORKFLOW_DRAFT', sessionId));
      const steps = Object.fromEntries(draft.payload.steps.map((st: { id: string; approvalStatus: string; autoApprovedBy?: string }) => [st.id, [st.approvalStatus, st.autoApprovedBy]]));
      expect(steps).toEqual({
        add: ['step_approved', 'autoApprove.actionTypes'],
        todo: ['step_approved', 'autoApprove.specificActions'],
        meet: ['draft_pending', undefined],
      });

      // Opened again, the dialog shows what was saved.
      const again = await openPreferences(page);
      await expect(again.getByRole('group', { name: 'Also approve by themselves: steps of these kinds' }).getByLabel('Contacts').isChecked()).resolves.toBe(true);
      await expect(again.getByRole('group', { name: 'Also approve by themselves: these actions' }).getByLabel('Add a task').isChecked()).resolves.toBe(true);
      await expect(again.getByRole('group', { name: 'Always ask me about steps of these kinds' }).getByLabel('Calendar').isChecked()).resolves.toBe(true);
      await expect(again.getByLabel('Approve every step of plans with at most this many steps').inputValue()).resolves.toBe('1');
      expect(errors).toEqual([]);
    } finally {
      other.close();
      await context.close();
    }
  });

  it('tells of the changes the notifications list: the plan completing and steps starting, not a step completing', async () => {
    // The demo user's contacts hold John: once every step is approved, the run asks nothing.
    const token = tokenFor('console-prefs');
    const other = await TestClient.connect(ui.stack.gateway.url, token);
    const { page, errors, context } = await openPage(ui.browser);
    try {
      await other.sendOk('PREFERENCES_SET', { preferences: { notifications: { planStateChanges: ['completed', 'failed'], stepStateChanges: ['running', 'failed'] } } });
      await recordToasts(page);
      await signInWithToken(page, ui.stack.gateway.url, token);
      await requestDraft(page);
      await page.locator('[data-action="approve-all"]').click();
      await waitPlanState(page, 'completed');
      const toast = page.locator('.toast[data-kind="plan"][data-state="completed"]');
      await toast.waitFor();
      await expect(toast.getAttribute('role')).resolves.toBe('status');
      await expect(toast.innerText()).resolves.toMatch(/^Workflow completed/);
      await screenshot(page, 'prefs-3-toast');
      const shown = await toastsShown(page);
      // Each step's start (listed) was told, its completion (not listed) was not; the plan's end once.
      expect(shown.map((t) => `${t.kind}:${t.state}`).sort()).toEqual(['plan:completed', 'step:running', 'step:running', 'step:running']);
      expect(shown.every((t) => t.role === 'status')).toBe(true);
      // The activity list still tells every step's change.
      await expect(page.locator('.log').innerText()).resolves.toMatch(/Workflow completed/);
      // Toasts go by themselves.
      await toast.waitFor({ state: 'detached', timeout: 15_000 });
      expect(errors).toEqual([]);
    } finally {
      other.close();
      await context.close();
    }
  });

  it('tells, once back online, of the changes made while the connection was down; nothing twice', async () => {
    const token = tokenFor('console-prefs');
    const { page, errors, context } = await openPage(ui.browser);
    const started: Proc[] = [];
    let observer: TestClient | undefined;
    try {
      const setter = await TestClient.connect(ui.stack.gateway.url, token);
      await setter.sendOk('PREFERENCES_SET', { preferences: { notifications: { planStateChanges: ['completed', 'failed'], stepStateChanges: ['running', 'failed'] } } });
      setter.close();
      await recordToasts(page);
      await signInWithToken(page, ui.stack.gateway.url, token);
      // No worker: the approved steps wait in the queue until the page is cut off.
      await ui.stack.worker.stop();
      const sessionId = await requestDraft(page);
      await page.locator('[data-action="approve-all"]').click();
      await waitPlanState(page, 'running');
      const port = ui.stack.gateway.port;
      await ui.stack.gateway.stop();
      await page.locator('[data-conn="offline"]').waitFor();
      // While the page is offline the whole plan runs, watched through a second gateway.
      started.push(await startWorker(ui.stack.prefix, { DEMO_USER: 'console-prefs' }));
      const side = await startGateway(ui.stack.prefix);
      started.push(side);
      observer = await TestClient.connect(side.url, token);
      await observer.sendOk('WORKFLOW_SUBSCRIBE', {}, sessionId);
      await observer.waitFor((e) => isType('WORKFLOW_STATUS', sessionId)(e) && e.payload.planState === 'completed');
      expect(await toastsShown(page)).toEqual([]);
      // Back online: every event it missed comes after the resubscribe's snapshot, whose
      // asOfEventId already covers them all. They are news to this page all the same.
      started.push(await startGateway(ui.stack.prefix, { PORT: String(port) }));
      await page.locator('[data-conn="online"]').waitFor({ timeout: 30_000 });
      await waitPlanState(page, 'completed');
      await page.locator('.toast[data-kind="plan"][data-state="completed"]').waitFor();
      const shown = await toastsShown(page);
      expect(shown.map((t) => `${t.kind}:${t.state}`).sort()).toEqual(['plan:completed', 'step:running', 'step:running', 'step:running']);
      expect(errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource|socket\.io/i.test(e))).toEqual([]);

      // Another page that opens the finished workflow replays its whole log: history, not news.
      const later = await openPage(ui.browser);
      try {
        await recordToasts(later.page);
        await signInWithToken(later.page, `http://127.0.0.1:${port}`, token);
        await later.page.evaluate((id) => (location.hash = `#wf=${id}`), sessionId);
        await waitPlanState(later.page, 'completed');
        // Its activity list tells the whole history, the plan's end included, though the snapshot said it first.
        await later.page.waitForFunction(() => /Workflow completed/.test(document.querySelector('.log')?.textContent ?? ''));
        expect(await toastsShown(later.page)).toEqual([]);
        expect(later.errors).toEqual([]);
      } finally {
        await later.context.close();
      }
    } finally {
      observer?.close();
      await context.close();
      await Promise.all(started.map((p) => p.stop()));
    }
  });
});
