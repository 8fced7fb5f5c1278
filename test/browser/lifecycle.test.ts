import type { Page } from 'playwright-core';
import { TestClient, tokenFor, workflowTerminal } from '../support/client';
import { loggedEventIds, openPage, requestDraft, screenshot, signInWithToken, stepCard, waitPlanState, waitStepState, useConsole } from './harness';

/** The text the polite live region ends up saying (it is set a moment after it is cleared). */
async function liveText(page: Page, pattern: RegExp): Promise<string> {
  await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('live')?.textContent ?? ''), pattern.source);
  return (await page.locator('#live').textContent()) ?? '';
}

/** How a decision and the end of a workflow leave the page: panels, dialogs, focus, answers. */
describe('approval console: after a decision, after the end', () => {
  const ui = useConsole({ worker: { DEMO_USER: 'console-life' } });

  it('hides "What this change affects" once the workflow has ended', async () => {
    const { page, errors, context } = await openPage(ui.browser);
    await signInWithToken(page, ui.stack.gateway.url, tokenFor('console-life'));
    await requestDraft(page);
    await stepCard(page, 'contact_lookup_1').locator('[data-action="edit"]').click();
    const dialog = page.locator('dialog[data-dialog="edit"]');
    await dialog.getByLabel(/^query/).fill('John Doe');
    await dialog.locator('[data-action="save-edit"]').click();
    await dialog.waitFor({ state: 'detached' });
    const impacts = page.locator('[data-notice="impacts"]');
    await impacts.waitFor();
    await expect(impacts.innerText()).resolves.toContain('What this change affects');

    await page.locator('[data-action="approve-all"]').click();
    await waitPlanState(page, 'completed');
    await expect(impacts.count()).resolves.toBe(0);
    await screenshot(page, 'end-1-no-impacts');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('closes an open cancel dialog when the workflow ends elsewhere, and says so politely', async () => {
    const token = tokenFor(`console-life-${Date.now()}`);
    const other = await TestClient.connect(ui.stack.gateway.url, token);
    const { page, errors, context } = await openPage(ui.browser);
    try {
      await signInWithToken(page, ui.stack.gateway.url, token);
      const sessionId = await requestDraft(page);
      await page.locator('[data-action="cancel-all"]').click();
      const dialog = page.locator('dialog[data-dialog="cancel"]');
      await dialog.waitFor();

      // Another device cancels it meanwhile.
      await other.sendOk('WORKFLOW_APPROVAL', { action: 'cancel_all' }, sessionId);
      await other.waitFor(workflowTerminal(sessionId));
      await waitPlanState(page, 'cancelled');
      await dialog.waitFor({ state: 'detached' });
      await expect(page.locator('dialog[open]').count()).resolves.toBe(0);
      await expect(liveText(page, /dialog was closed/)).resolves.toMatch(/^Workflow cancelled\. The open dialog was closed/);
      await expect(page.locator('#live').getAttribute('aria-live')).resolves.toBe('polite');
      // Focus stays in the workflow, not on the page's body.
      await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('wf-title');
      await screenshot(page, 'end-2-dialog-closed');
      expect(errors).toEqual([]);
    } finally {
      other.close();
      await context.close();
    }
  });

  it('keeps keyboard focus on the decided step after each decision, never on <body>', async () => {
    const { page, errors, context } = await openPage(ui.browser);
    // The demo user's contacts hold John: once every step is decided, the run asks nothing.
    await signInWithToken(page, ui.stack.gateway.url, tokenFor('console-life'));
    await requestDraft(page);
    /** Where focus is: the step card it is in and the control's action (or "card"), once it settled. */
    const focusAt = async () => {
      await page.waitForTimeout(300);
      return page.evaluate(() => {
        const a = document.activeElement;
        if (!a || a === document.body) return 'body';
        const card = a.closest('li.step-card')?.getAttribute('data-step-id') ?? 'outside';
        return `${card}:${a.getAttribute('data-action') ?? (a.matches('li.step-card') ? 'card' : a.tagName)}`;
      });
    };

    // Approve from the keyboard: the step's next decision takes the focus.
    await stepCard(page, 'contact_lookup_1').locator('[data-action="approve"]').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('li.step-card[data-step-id="contact_lookup_1"] .status-line[data-approval="step_approved"]');
    await expect(focusAt()).resolves.toBe('contact_lookup_1:reject');

    // A decision made in a dialog: focus comes back to the same card.
    await stepCard(page, 'email_draft_1').locator('[data-action="reject"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('dialog[data-dialog="reject"]').waitFor();
    await page.keyboard.type('not now');
    await page.locator('[data-action="confirm-reject"]').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('li.step-card[data-step-id="email_draft_1"] .status-line[data-approval="step_rejected"]');
    await expect(focusAt()).resolves.toBe('email_draft_1:approve');

    // Skip: nothing is left to decide on that step, so the card itself holds the focus.
    await stepCard(page, 'calendar_event_1').locator('[data-action="skip"]').focus();
    await page.keyboard.press('Enter');
    await waitStepState(page, 'calendar_event_1', 'skipped');
    await expect(focusAt()).resolves.toBe('calendar_event_1:card');
    // A skipped step waits for nothing: its card does not say "Awaiting your decision".
    await expect(stepCard(page, 'calendar_event_1').locator('.status-line').innerText()).resolves.not.toMatch(/Awaiting/);
    // Each decision has its line in the activity list, in its own words.
    const log = () => page.locator('.log').innerText();
    await page.waitForFunction(() => /Skipped 3\./.test(document.querySelector('.log')?.textContent ?? ''));
    await expect(log()).resolves.toMatch(/Approved: 1\. /);
    await expect(log()).resolves.toMatch(/Rejected 2\. [^\n]*“not now”/);
    // A tab that rebuilds the workflow from its log words each decision the same way.
    const sessionId = await page.evaluate(() => document.querySelector('section.workflow')?.getAttribute('data-session-id'));
    const replay = await openPage(ui.browser);
    await signInWithToken(replay.page, `${ui.stack.gateway.url}/#wf=${sessionId}`, tokenFor('console-life'));
    await replay.page.waitForFunction(() => /Skipped 3\./.test(document.querySelector('.log')?.textContent ?? ''));
    const replayed = await replay.page.locator('.log').innerText();
    expect(replayed).toMatch(/Approved: 1\. /);
    expect(replayed).toMatch(/Rejected 2\. [^\n]*“not now”/);
    await replay.context.close();
    // ...and Tab goes on from there, not from the top of the page.
    await page.keyboard.press('Tab');
    await expect(focusAt()).resolves.not.toMatch(/^(body|outside)/);
    await screenshot(page, 'focus-1-after-skip');
    expect(errors).toEqual([]);
    await context.close();
  });
  it('shows a value given for a conflict on the dependent card and logs every conflict answer', async () => {
    const token = tokenFor(`console-answers-${Date.now()}`);
    const { page, errors, context } = await openPage(ui.browser);
    await signInWithToken(page, ui.stack.gateway.url, token);
    const sessionId = await requestDraft(page);
    await stepCard(page, 'contact_lookup_1').locator('[data-action="reject"]').click();
    await page.locator('[data-action="confirm-reject"]').click();
    // One dialog per dependent: a value for the email draft (step 2), skip the event (step 3).
    for (let i = 0; i < 2; i++) {
      const dialog = page.locator('dialog[data-dialog="conflict"]');
      await dialog.waitFor();
      const title = await dialog.locator('h2').innerText();
      if (title.startsWith('Step 2')) {
        await dialog.getByLabel(/Value to use instead/).fill('john.doe@company.com');
        await dialog.locator('[data-option="provide_value"]').click();
      } else await dialog.locator('[data-option="skip_dependent"]').click();
      await page.waitForFunction((t) => document.querySelector('dialog[data-dialog="conflict"] h2')?.textContent !== t, title);
    }

    const answered = [/Conflict answered for 2\. .+: will use “john\.doe@company\.com” instead of the result of 1\. /, /Conflict answered for 3\. .+: skipped/];
    const check = async (p: Page) => {
      const card = stepCard(p, 'email_draft_1');
      await card.locator('.params [data-provided-for="contact_lookup_1"]').waitFor();
      await expect(card.locator('.params').innerText()).resolves.toMatch(/recipient\s+john\.doe@company\.com \(given instead of email from step 1\)/);
      await expect(card.locator('.facts').innerText()).resolves.toMatch(/Used instead\s+john\.doe@company\.com in place of the result of 1\. /);
      for (const re of answered) await p.waitForFunction((src) => Array.from(document.querySelectorAll('.log li')).some((li) => new RegExp(src).test(li.textContent ?? '')), re.source);
    };
    await check(page);
    await screenshot(page, 'answers-1-provided');

    // Another device rebuilds the same from the server's events alone.
    const other = await openPage(ui.browser);
    await signInWithToken(other.page, ui.stack.gateway.url, token);
    await other.page.locator(`.inbox-item[data-session-id="${sessionId}"] button`).click();
    await check(other.page);
    const ids = await loggedEventIds(other.page);
    expect(new Set(ids).size).toBe(ids.length);

    await page.locator('[data-action="approve-all"]').click();
    await waitPlanState(page, 'completed');
    await expect(stepCard(page, 'email_draft_1').locator('.result').innerText()).resolves.toContain('john.doe@company.com');
    expect(errors).toEqual([]);
    expect(other.errors).toEqual([]);
    await other.context.close();
    await context.close();
  });

  it('a run paused on a failure says when it is removed if left alone, not the draft deadline it had', async () => {
    const user = `console-life-paused-${Date.now()}`;
    const token = tokenFor(user);
    const api = await TestClient.connect(ui.stack.gateway.url, token);
    const { page, errors, context } = await openPage(ui.browser);
    try {
      const plan = { steps: [{ id: 'done', type: 'task', action: 'complete_task', description: 'Complete the prep task', params: { taskId: 'task_missing' } }] };
      const { sessionId } = await api.sendOk('WORKFLOW_SUBMIT', { plan });
      await api.sendOk('WORKFLOW_APPROVAL', { action: 'approve_all' }, sessionId);
      await api.waitFor((e) => e.type === 'STEP_EXECUTION' && e.sessionId === sessionId && e.payload.status === 'failed');

      await signInWithToken(page, ui.stack.gateway.url, token);
      const item = page.locator(`.inbox-item[data-session-id="${sessionId}"]`);
      await item.waitFor();
      await expect(item.innerText()).resolves.toMatch(/Removed in (24 hours|1 day) if left alone/);
      await expect(item.innerText()).resolves.not.toMatch(/Expires in/);
      await item.locator('button').click();
      const facts = page.locator('.wf-facts');
      await facts.waitFor();
      await expect(facts.innerText()).resolves.toMatch(/Removed if left alone\s*in (24 hours|1 day)/);
      await expect(facts.innerText()).resolves.not.toMatch(/Draft expires/);
      expect(errors).toEqual([]);
    } finally {
      api.close();
      await context.close();
    }
  });

});
