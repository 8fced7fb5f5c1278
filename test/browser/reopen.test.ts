import { TestClient, stepEvent, tokenFor, workflowEnded } from '../support/client';
import { startGateway, type Proc } from '../support/processes';
import type { Page } from 'playwright-core';
import { loggedEventIds, openPage, requestDraft, signInWithToken, useConsole, waitPlanState } from './harness';

const USER = 'console-reopen';

/** A logged event the activity list gives a line (every one but a midway progress report). */
const hasLine = (e: { type: string; payload?: { status?: string; progress?: number } }) =>
  !(e.type === 'STEP_EXECUTION' && e.payload?.status === 'running' && (e.payload.progress ?? 0) > 0);

/** Open `sessionId` in the page and check its activity list has a line for each of `log`, once. */
async function expectLoggedAfterOpening(page: Page, sessionId: string, log: string[]): Promise<void> {
  await page.evaluate((id) => (location.hash = `#wf=${id}`), sessionId);
  await page.waitForSelector(`section.workflow[data-session-id="${sessionId}"]`);
  await waitPlanState(page, 'completed');
  await page.waitForFunction((n) => document.querySelectorAll('.log li[data-event-id]').length >= n, log.length, { timeout: 10_000 });
  const ids = await loggedEventIds(page);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.filter((id) => log.includes(id)).sort()).toEqual([...log].sort());
}

/**
 * A tab that stays connected hears every event of the user's workflows, also those of a workflow
 * it is not showing. Reopening that workflow resumes from the last event the view applied, which
 * this same socket was sent: the replay must bring everything after it (SPEC §5), or the view
 * would show the new state without the activity that led there.
 */
describe('approval console: reopening a workflow that moved on while another one was shown', () => {
  const ui = useConsole();

  it('logs every event the workflow had meanwhile, once each', async () => {
    const token = tokenFor(USER);
    const { page, errors, context } = await openPage(ui.browser);
    const other = await TestClient.connect(ui.stack.gateway.url, token);
    try {
      await signInWithToken(page, ui.stack.gateway.url, token);
      const first = await requestDraft(page, 'Create a task to call mom', 1);
      const second = await requestDraft(page, 'Add a task: buy milk', 1);
      expect(second).not.toBe(first);

      // The first workflow runs to its end from another device while the page shows the second.
      await other.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, first);
      await other.waitFor(workflowEnded(first, 'completed'));
      const log = other.of(first).filter(hasLine).map((e) => e.eventId as string);
      expect(log.length).toBeGreaterThan(3);
      // Every one is in the first workflow's activity list: the page's socket got them live while
      // the second was shown, and the reopened view asked for them again.
      await expectLoggedAfterOpening(page, first, log);
      expect(errors).toEqual([]);
    } finally {
      other.close();
      await context.close();
    }
  });

  it('a failure met on opening a workflow from the list names its step as the card does', async () => {
    const token = tokenFor(`${USER}-fail`);
    const { page, errors, context } = await openPage(ui.browser);
    const other = await TestClient.connect(ui.stack.gateway.url, token);
    try {
      await signInWithToken(page, ui.stack.gateway.url, token);
      await requestDraft(page, 'Create a task to call mom', 1);
      const { sessionId } = await other.sendOk('WORKFLOW_SUBMIT', {
        plan: { steps: [{ id: 'upd', type: 'task', action: 'complete_task', description: 'Complete the prep task', params: { taskId: 'task_nowhere' } }] },
      });
      await other.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
      await other.waitFor(stepEvent(sessionId, 'upd', 'failed'));
      const item = page.locator(`.inbox-item[data-session-id="${sessionId}"]`);
      await item.waitFor();
      await item.locator('button').click();
      const dialog = page.locator('dialog[data-dialog="failure"]');
      await dialog.waitFor();
      await expect(dialog.innerText()).resolves.toMatch(/1\. Mark a task as completed could not be completed/);
      await expect(dialog.innerText()).resolves.not.toMatch(/\bupd\b/);
      expect(errors).toEqual([]);
    } finally {
      other.close();
      await context.close();
    }
  });

  // Last: it replaces the stack's gateway.
  it('after its connection came back, a workflow it opens logs what that workflow had meanwhile', async () => {
    const token = tokenFor(`${USER}-back`);
    const { page, errors, context } = await openPage(ui.browser);
    const side = await startGateway(ui.stack.prefix);
    const started: Proc[] = [side];
    const other = await TestClient.connect(side.url, token);
    try {
      await signInWithToken(page, ui.stack.gateway.url, token);
      const first = await requestDraft(page, 'Create a task to call mom', 1);
      await requestDraft(page, 'Add a task: buy milk', 1);
      // The page's gateway goes away and comes back on the same address: a new socket.
      const port = ui.stack.gateway.port;
      await ui.stack.gateway.stop();
      await page.waitForSelector('[data-conn="offline"]');
      started.push(await startGateway(ui.stack.prefix, { PORT: String(port) }));
      await page.waitForSelector('[data-conn="online"]', { timeout: 30_000 });

      // The first workflow runs to its end from another device; the new socket hears it live.
      await other.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, first);
      await other.waitFor(workflowEnded(first, 'completed'));
      await expectLoggedAfterOpening(page, first, other.of(first).filter(hasLine).map((e) => e.eventId as string));
      expect(errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource|socket\.io/i.test(e))).toEqual([]);
    } finally {
      other.close();
      await context.close();
      await Promise.all(started.map((p) => p.stop()));
    }
  });
});
