import type { Page } from 'playwright-core';
import { startGateway, startWorker, type Proc } from '../support/processes';
import { isType, TestClient, tokenFor } from '../support/client';
import { DESKTOP, PHONE, loggedEventIds, openPage, requestDraft, screenshot, signInWithToken, stepCard, waitPlanState, waitStepState, useConsole } from './harness';

const USER = 'console-alice';

/** "Decide later" on every dialog that opens by itself (one per open conflict). */
async function dismissAll(page: Page): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const d = page.locator('dialog[open]');
    if (!(await d.count())) {
      await page.waitForTimeout(100);
      if (!(await d.count())) return;
    }
    await d.locator('[data-action="dismiss"]').click();
  }
}

/**
 * The console against a gateway with a real JWT secret: it asks for a token. Then an edit (checked
 * in the browser before it is sent), a rejection answered through the conflict dialog, and a reload
 * in the middle of a run.
 */
describe('approval console: sign-in, edit, rejection, reload', () => {
  const ui = useConsole({ worker: { DEMO_USER: USER } });
  let extraWorker: Proc | undefined;
  let extraGateway: Proc | undefined;
  const token = tokenFor(USER);

  afterAll(async () => {
    await extraWorker?.stop();
    await extraGateway?.stop();
  });

  it('asks for a token, refuses a bad one, and edits a step with validation before sending', async () => {
    const { page, errors, context } = await openPage(ui.browser);
    await page.goto(ui.stack.gateway.url);
    await page.getByLabel('Access token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('#token-error:has-text("not accepted")');
    errors.length = 0; // the refused websocket handshake is logged by the browser itself

    await page.getByLabel('Access token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('[data-conn="online"]');
    await requestDraft(page);
    const version = Number(await page.getAttribute('[data-version]', 'data-version'));

    await stepCard(page, 'email_draft_1').locator('[data-action="edit"]').click();
    const dialog = page.locator('dialog[data-dialog="edit"]');
    await dialog.getByLabel(/^subject/).fill('');
    await dialog.getByLabel(/^recipient/).fill('not an email');
    await dialog.locator('[data-action="save-edit"]').click();
    // Refused in the browser: errors next to the fields, nothing sent, the dialog stays open.
    await expect(dialog.getByLabel(/^subject/).getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(dialog.getByLabel(/^recipient/).getAttribute('aria-invalid')).resolves.toBe('true');
    await screenshot(page, 'edit-1-invalid');
    expect(Number(await page.getAttribute('[data-version]', 'data-version'))).toBe(version);

    await dialog.getByLabel(/^recipient/).fill('{{contact_lookup_1.email}}');
    await dialog.getByLabel(/^subject/).fill('Agenda for Friday');
    await dialog.getByLabel(/^body/).fill('Let us go through the agenda.');
    await dialog.locator('[data-action="save-edit"]').click();
    await dialog.waitFor({ state: 'detached' });
    const card = stepCard(page, 'email_draft_1');
    await card.locator('.badge.small:has-text("edited")').waitFor();
    await expect(card.locator('.params').innerText()).resolves.toContain('Agenda for Friday');
    await expect(card.locator('.status-line').getAttribute('data-approval')).resolves.toBe('step_modified');
    await screenshot(page, 'edit-2-saved');

    await page.locator('[data-action="approve-all"]').click();
    await waitPlanState(page, 'completed');
    await expect(card.locator('.result').innerText()).resolves.toContain('Agenda for Friday');
    await screenshot(page, 'edit-3-completed');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('rejects a step and answers the conflict dialog with exactly the options the server sent', async () => {
    const observer = await TestClient.connect(ui.stack.gateway.url, token);
    const { page, errors, context } = await openPage(ui.browser);
    await signInWithToken(page, ui.stack.gateway.url, token);
    const sessionId = await requestDraft(page);

    await stepCard(page, 'contact_lookup_1').locator('[data-action="reject"]').click();
    await page.getByLabel('Reason (optional)').fill('I will look John up myself');
    await page.locator('[data-action="confirm-reject"]').click();

    const conflict = await observer.waitFor(isType('DEPENDENCY_CONFLICT', sessionId));
    const dialog = page.locator('dialog[data-dialog="conflict"]');
    await dialog.waitFor();
    const offered = await dialog.locator('[data-option]').evaluateAll((els) => els.map((e) => e.getAttribute('data-option')));
    expect(offered).toEqual(conflict.payload.options.map((o: { action: string }) => o.action));
    await expect(dialog.innerText()).resolves.toContain(conflict.payload.options[0].description);
    await screenshot(page, 'reject-1-conflict-dialog');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'reject-1-conflict-dialog-phone');
    await page.setViewportSize(DESKTOP);

    // Provide the missing value for the first dependent step...
    const first = await dialog.locator('h2').innerText();
    if (offered.includes('provide_value')) {
      await dialog.getByLabel(/Value to use instead/).fill('john.doe@company.com');
      await dialog.locator('[data-option="provide_value"]').click();
    } else await dialog.locator('[data-option]').first().click();
    // ...and skip any other dependent the next dialog asks about.
    await page.waitForFunction((t) => !document.querySelector('dialog[data-dialog="conflict"] h2') || document.querySelector('dialog[data-dialog="conflict"] h2')?.textContent !== t, first);
    for (let i = 0; i < 3 && (await page.locator('dialog[data-dialog="conflict"]').count()); i++) {
      const next = page.locator('dialog[data-dialog="conflict"]');
      const title = await next.locator('h2').innerText();
      const skip = next.locator('[data-option="skip_dependent"]');
      await ((await skip.count()) ? skip : next.locator('[data-option]').first()).click();
      await page.waitForFunction((t) => document.querySelector('dialog[data-dialog="conflict"] h2')?.textContent !== t, title);
    }
    await expect(stepCard(page, 'contact_lookup_1').locator('.status-line').getAttribute('data-approval')).resolves.toBe('step_rejected');
    await expect(stepCard(page, 'contact_lookup_1').innerText()).resolves.toContain('I will look John up myself');
    await screenshot(page, 'reject-2-resolved');

    if (await page.locator('[data-action="approve-all"]').count()) await page.locator('[data-action="approve-all"]').click();
    await page.waitForSelector('[data-plan-state="completed"], [data-plan-state="failed"], [data-plan-state="cancelled"]', { timeout: 30_000 });
    await waitPlanState(page, 'completed');
    await expect(page.locator('g.node[data-step-id="contact_lookup_1"]').getAttribute('data-state')).resolves.not.toBe('completed');
    await screenshot(page, 'reject-3-completed');
    expect(errors).toEqual([]);
    observer.close();
    await context.close();
  });

  it('resumes after a reload in the middle of a run, without showing any event twice', async () => {
    const { page, errors, context } = await openPage(ui.browser);
    await signInWithToken(page, ui.stack.gateway.url, token);
    await ui.stack.worker.stop(); // steps stay queued: the run cannot finish before the reload
    const sessionId = await requestDraft(page);
    await page.locator('[data-action="approve-all"]').click();
    await waitPlanState(page, 'running');
    const before = await loggedEventIds(page);
    await screenshot(page, 'reload-1-running');

    await page.reload();
    await page.waitForSelector('[data-conn="online"]');
    expect(await page.getAttribute('section.workflow', 'data-session-id')).toBe(sessionId);
    await waitPlanState(page, 'running');
    expect(await loggedEventIds(page)).toEqual(before);

    extraWorker = await startWorker(ui.stack.prefix, { DEMO_USER: USER });
    await waitPlanState(page, 'completed');
    for (const id of ['contact_lookup_1', 'email_draft_1', 'calendar_event_1']) await waitStepState(page, id, 'completed');
    const ids = await loggedEventIds(page);
    expect(new Set(ids).size).toBe(ids.length);
    const found = await page.$$eval('.log li', (els) => els.filter((e) => /Found John Doe/.test(e.textContent ?? '')).length);
    expect(found).toBe(1);
    await screenshot(page, 'reload-2-completed');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('lists live workflows in the inbox with what waits on them, and opens one in another tab from scratch', async () => {
    const a = await openPage(ui.browser);
    await signInWithToken(a.page, ui.stack.gateway.url, token);
    const sessionId = await requestDraft(a.page);
    await stepCard(a.page, 'contact_lookup_1').locator('[data-action="reject"]').click();
    await a.page.locator('[data-action="confirm-reject"]').click();
    await a.page.locator('dialog[data-dialog="conflict"]').waitFor();
    await dismissAll(a.page);

    // A second tab (fresh storage) sees it in its inbox and rebuilds it from a full replay.
    const b = await openPage(ui.browser);
    await signInWithToken(b.page, ui.stack.gateway.url, token);
    const item = b.page.locator(`.inbox-item[data-session-id="${sessionId}"]`);
    await item.waitFor();
    await expect(item.innerText()).resolves.toMatch(/await your approval[\s\S]*dependency conflict[\s\S]*Expires in (2 hours|1\d\d minutes)/);
    await screenshot(b.page, 'inbox-1-list');
    await item.locator('button').click();
    await b.page.waitForFunction(() => document.querySelectorAll('.step-card').length === 3);
    await expect(stepCard(b.page, 'contact_lookup_1').locator('.status-line').getAttribute('data-approval')).resolves.toBe('step_rejected');
    // The open conflict comes back from the status snapshot, with its dialog.
    await b.page.locator('dialog[data-dialog="conflict"]').waitFor();
    await screenshot(b.page, 'inbox-2-opened');
    await dismissAll(b.page);

    // Cancelling in one tab shows in the other, live.
    await b.page.locator('[data-action="cancel-all"]').click();
    await b.page.locator('[data-action="confirm-cancel"]').click();
    await waitPlanState(a.page, 'cancelled');
    await waitPlanState(b.page, 'cancelled');
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    await a.context.close();
    await b.context.close();
  });

  it('catches up after a dropped connection (the gateway restarts) without duplicates', async () => {
    const { page, errors, context } = await openPage(ui.browser);
    await signInWithToken(page, ui.stack.gateway.url, token);
    await extraWorker?.stop(); // no worker: the approved steps wait in the queue
    extraWorker = undefined;
    await requestDraft(page);
    await page.locator('[data-action="approve-all"]').click();
    await waitPlanState(page, 'running');

    const port = ui.stack.gateway.port;
    await ui.stack.gateway.stop();
    await page.waitForSelector('[data-conn="offline"]');
    // While the browser is cut off, the steps run and their events are logged.
    extraWorker = await startWorker(ui.stack.prefix, { DEMO_USER: USER });
    await new Promise((r) => setTimeout(r, 1500));
    await screenshot(page, 'reconnect-1-offline');
    extraGateway = await startGateway(ui.stack.prefix, { PORT: String(port) });

    await page.waitForSelector('[data-conn="online"]', { timeout: 30_000 });
    await waitPlanState(page, 'completed');
    for (const id of ['contact_lookup_1', 'email_draft_1', 'calendar_event_1']) await waitStepState(page, id, 'completed');
    const ids = await loggedEventIds(page);
    expect(new Set(ids).size).toBe(ids.length);
    await screenshot(page, 'reconnect-2-caught-up');
    // Only the browser's own reports of the refused reconnection attempts are allowed.
    expect(errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource|socket\.io/i.test(e))).toEqual([]);
    await context.close();
  });
});

/**
 * A run whose steps take a while (a provider's latency): each step's start and end moves the
 * version while the page shows no WORKFLOW_STATUS. The user's next decision must still apply.
 */
describe('approval console: deciding while a plan runs', () => {
  const ui = useConsole({ worker: { HANDLER_LATENCY_MS: '1500' } });
  const token = tokenFor('console-slow');

  it('step by step: approving the next step after the first one ran is applied, with no "changed elsewhere" error', async () => {
    const { page, errors, context } = await openPage(ui.browser);
    await signInWithToken(page, ui.stack.gateway.url, token);
    await page.locator('#request-step-by-step').check();
    await requestDraft(page, 'Remind me to call mom tomorrow at 9am and remind me to buy milk tomorrow at 6pm', 2);
    const [first, second] = await page.$$eval('li.step-card', (els) => els.map((e) => e.getAttribute('data-step-id') ?? ''));
    await stepCard(page, first as string).locator('[data-action="approve"]').click();
    await waitStepState(page, first as string, 'completed');
    await stepCard(page, second as string).locator('[data-action="approve"]').click();
    await waitStepState(page, second as string, 'completed');
    await waitPlanState(page, 'completed');
    await expect(page.locator('.error-banner').isHidden()).resolves.toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});
