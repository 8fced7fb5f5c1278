import type { WebSocketRoute } from 'playwright-core';
import { startGateway, startWorker, type Proc } from '../support/processes';
import { stepEvent, TestClient, tokenFor } from '../support/client';
import { loggedEventIds, openPage, requestDraft, signInWithToken, stepCard, waitStepState, useConsole } from './harness';

const USER = 'console-catch-up';

/**
 * A page that comes back online hears the user's live events at once, before the gateway has
 * handled its re-subscribe. When one of them is newer than what it missed, the replay that follows
 * brings older events: the page must still log every one of them, once and in order.
 */
describe('approval console: catching up when a live event comes first', () => {
  const ui = useConsole();
  const started: Proc[] = [];

  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
  });

  it('logs every missed event although a newer live one arrived before the replay, and keeps showing the newer state', async () => {
    const token = tokenFor(USER);
    const { page, errors, context } = await openPage(ui.browser);
    let observer: TestClient | undefined;
    // Every socket of the page goes through this route (it must exist before the page loads);
    // once `hold` is set, a WORKFLOW_SUBSCRIBE waits for `release`.
    let hold = false;
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.routeWebSocket(/socket\.io/, (ws: WebSocketRoute) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        if (hold && typeof message === 'string' && message.includes('"WORKFLOW_SUBSCRIBE"')) void held.then(() => server.send(message));
        else server.send(message);
      });
    });
    try {
      await signInWithToken(page, ui.stack.gateway.url, token);
      await ui.stack.worker.stop(); // the approved lookup waits in the queue until the page is cut off
      await page.locator('#request-step-by-step').check(); // an approved step runs at once
      const sessionId = await requestDraft(page);
      await stepCard(page, 'contact_lookup_1').locator('[data-action="approve"]').click();
      await page.waitForSelector('li.step-card[data-step-id="contact_lookup_1"] .status-line[data-approval="step_approved"]');

      // The page's gateway goes away. Meanwhile the lookup starts, watched through another
      // gateway; its provider is slow, so it ends only once the page is back.
      const port = ui.stack.gateway.port;
      await ui.stack.gateway.stop();
      await page.waitForSelector('[data-conn="offline"]');
      const side = await startGateway(ui.stack.prefix);
      started.push(side);
      observer = await TestClient.connect(side.url, token);
      await observer.sendOk('WORKFLOW_SUBSCRIBE', {}, sessionId);
      const slow = await startWorker(ui.stack.prefix, { DEMO_USER: USER, HANDLER_LATENCY_MS: '10000' });
      started.push(slow);
      const running = await observer.waitFor((e) => stepEvent(sessionId, 'contact_lookup_1', 'running')(e) && !e.payload.progress);

      // Back online, the page's re-subscribe is held: the lookup's end reaches it live first.
      hold = true;
      started.push(await startGateway(ui.stack.prefix, { PORT: String(port) }));
      await page.waitForSelector('[data-conn="online"]', { timeout: 30_000 });
      const done = await observer.waitFor(stepEvent(sessionId, 'contact_lookup_1', 'completed'), 20_000);
      await waitStepState(page, 'contact_lookup_1', 'completed');
      expect(await loggedEventIds(page)).not.toContain(running.eventId); // the start was missed: the race is on
      hold = false;
      release?.();

      // The catch-up brings the lookup's start, older than its end: logged, and history only.
      await page.waitForFunction((id) => !!document.querySelector(`.log li[data-event-id="${id}"]`), running.eventId, { timeout: 10_000 });
      const ids = await loggedEventIds(page);
      expect(ids).toContain(done.eventId);
      expect(new Set(ids).size).toBe(ids.length);
      // Shown newest first, in the order the server logged them.
      const order = (id: string) => id.split('-').map(Number) as [number, number];
      const sorted = [...ids].sort((a, b) => order(b)[0] - order(a)[0] || order(b)[1] - order(a)[1]);
      expect(ids).toEqual(sorted);
      // The card still tells the end, not the start it heard of later.
      const card = stepCard(page, 'contact_lookup_1');
      await expect(card.locator('.step-message').innerText()).resolves.toBe(done.payload.message);

      // The rest of the plan runs live: the list tells its end once.
      await slow.stop();
      started.push(await startWorker(ui.stack.prefix, { DEMO_USER: USER }));
      await observer.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'email_draft_1' }, sessionId);
      await observer.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'calendar_event_1' }, sessionId);
      await page.waitForSelector('[data-plan-state="completed"]', { timeout: 30_000 });
      await page.waitForFunction(() => /Workflow completed/.test(document.querySelector('.log')?.textContent ?? ''));
      const lines = await page.$$eval('.log li', (els) => els.map((e) => e.textContent ?? ''));
      expect(lines.filter((l) => /Workflow completed/.test(l))).toHaveLength(1);
      expect(errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource|socket\.io/i.test(e))).toEqual([]);
    } finally {
      observer?.close();
      await context.close();
    }
  });
});
