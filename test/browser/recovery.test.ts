import { isType, SEED_REQUEST, stepEvent, TestClient, tokenFor } from '../support/client';
import { openPage, requestDraft, screenshot, signInWithToken, stepCard, waitPlanState, waitStepState, useConsole } from './harness';

/**
 * Recovery in the console against the real server: the seed's unknown-contact intervention answered
 * in its dialog, and a failed step answered with "roll back everything". The users have no John
 * in their contacts (no DEMO_USER), so the lookup asks.
 */
describe('approval console: interventions and failures', () => {
  const ui = useConsole({ worker: { STEP_ATTEMPTS: '2', STEP_BACKOFF_MS: '50' } });

  it('asks for the unknown contact in the intervention dialog; the typed address becomes the recipient', async () => {
    const token = tokenFor(`console-nojohn-${Date.now()}`);
    const observer = await TestClient.connect(ui.stack.gateway.url, token);
    const { page, errors, context } = await openPage(ui.browser);
    try {
      await signInWithToken(page, ui.stack.gateway.url, token);
      const sessionId = await requestDraft(page);
      await page.locator('[data-action="approve-all"]').click();

      const asked = await observer.waitFor(stepEvent(sessionId, 'contact_lookup_1', 'waiting_intervention'));
      const dialog = page.locator('dialog[data-dialog="intervention"]');
      await dialog.waitFor();
      // One button per free-text option, mapped onto the protocol's answers.
      const labels = await dialog.locator('[data-option]').evaluateAll((els) => els.map((e) => `${e.textContent}=${e.getAttribute('data-option')}`));
      expect(labels).toEqual(['Enter email address=provide_value', 'Skip this step=skip', 'Search with different name=retry']);
      expect(asked.payload.interventionRequired.options).toEqual(['Enter email address', 'Skip this step', 'Search with different name']);
      await expect(dialog.innerText()).resolves.toContain('John');
      // "Search with different name" re-runs the lookup with the typed text: nobody by that name either, so it asks again.
      await dialog.getByLabel(/Your answer/).fill('Johnny Walker');
      await dialog.locator('[data-option="retry"]').click();
      const again = await observer.waitFor((e) => stepEvent(sessionId, 'contact_lookup_1', 'waiting_intervention')(e) && e !== asked);
      expect(JSON.stringify(again.payload.interventionRequired)).toContain('Johnny Walker');
      await page.waitForFunction(() => /Johnny Walker/.test(document.querySelector('dialog[data-dialog="intervention"]')?.textContent ?? ''));
      await dialog.getByLabel(/Your answer/).fill('john@x.org');
      await screenshot(page, 'intervention-1-dialog');

      await dialog.locator('[data-option="provide_value"]').click();
      await dialog.waitFor({ state: 'detached' });
      await waitStepState(page, 'email_draft_1', 'completed');
      await waitPlanState(page, 'completed');
      await expect(stepCard(page, 'email_draft_1').locator('.result').innerText()).resolves.toContain('john@x.org');
      const email = await observer.waitFor(stepEvent(sessionId, 'email_draft_1', 'completed'));
      expect(email.payload.result.data.recipient).toBe('john@x.org');
      // The inbox lists live workflows only: the finished one leaves it.
      await page.locator(`.inbox-item[data-session-id="${sessionId}"]`).waitFor({ state: 'detached', timeout: 5_000 });
      await screenshot(page, 'intervention-2-completed');
      expect(errors).toEqual([]);
    } finally {
      observer.close();
      await context.close();
    }
  });

  it('keeps showing the plan as waiting on the user while an independent step runs and completes', async () => {
    const token = tokenFor(`console-parallel-${Date.now()}`);
    const client = await TestClient.connect(ui.stack.gateway.url, token);
    const { page, errors, context } = await openPage(ui.browser);
    try {
      // Two independent steps, run as each is approved: the lookup asks (nobody called Ann), then
      // the task list runs beside the open question. The server's plan stays waiting_intervention.
      const { sessionId } = await client.sendOk('USER_MESSAGE', { message: 'look up Ann and list my tasks', mode: 'step_by_step' });
      await signInWithToken(page, `${ui.stack.gateway.url}/#wf=${sessionId}`, token);
      await page.waitForFunction(() => document.querySelectorAll('.step-card').length === 2);

      await client.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'contact_lookup_1' }, sessionId);
      await client.waitFor(stepEvent(sessionId, 'contact_lookup_1', 'waiting_intervention'));
      await waitPlanState(page, 'waiting_intervention');
      await client.sendOk('WORKFLOW_APPROVAL', { action: 'approve_step', stepId: 'task_list_1' }, sessionId);
      await client.waitFor(stepEvent(sessionId, 'task_list_1', 'completed'));
      await waitStepState(page, 'task_list_1', 'completed');

      // The server's last word on the plan, and what the page shows.
      expect(client.of(sessionId, 'WORKFLOW_STATUS').at(-1)?.payload.planState).toBe('waiting_intervention');
      await expect(page.getAttribute('[data-plan-state]', 'data-plan-state')).resolves.toBe('waiting_intervention');
      await expect(page.locator('dialog[data-dialog="intervention"]').count()).resolves.toBe(1);

      // The question answered on another device: its dialog goes, and the plan ends.
      await client.sendOk('INTERVENTION_RESPONSE', { stepId: 'contact_lookup_1', option: 'skip' }, sessionId);
      await page.locator('dialog[data-dialog="intervention"]').waitFor({ state: 'detached', timeout: 10_000 });
      await waitPlanState(page, 'completed');
      expect(errors).toEqual([]);
    } finally {
      client.close();
      await context.close();
    }
  });

  it('closes a conflict dialog when the conflict is resolved on another device', async () => {
    const token = tokenFor(`console-elsewhere-${Date.now()}`);
    const client = await TestClient.connect(ui.stack.gateway.url, token);
    const { page, errors, context } = await openPage(ui.browser);
    try {
      const { sessionId } = await client.sendOk('USER_MESSAGE', { message: SEED_REQUEST });
      await signInWithToken(page, `${ui.stack.gateway.url}/#wf=${sessionId}`, token);
      await page.waitForFunction(() => document.querySelectorAll('.step-card').length === 3);
      await client.sendOk('WORKFLOW_APPROVAL', { action: 'reject_step', stepId: 'contact_lookup_1', reason: 'not now' }, sessionId);
      const conflict = await client.waitFor(isType('DEPENDENCY_CONFLICT', sessionId));
      await page.locator('dialog[data-dialog="conflict"]').waitFor();
      const asking = (conflict.payload.affectedSteps as { stepId: string; resolution: string }[]).filter((a) => a.resolution === 'ask_user');
      expect(asking.length).toBeGreaterThan(1);

      // Every dependent is skipped from the other device, by answering its conflict or by a plain
      // skip of the step: no dialog and no "Resolve conflict…" is left.
      const [first, ...rest] = asking;
      await client.sendOk('WORKFLOW_EDIT', { operation: 'skip_step', stepId: first!.stepId }, sessionId);
      await stepCard(page, first!.stepId).locator('[data-action="conflict"]').waitFor({ state: 'detached', timeout: 10_000 });
      for (const a of rest) await client.sendOk('CONFLICT_RESOLUTION', { stepId: a.stepId, option: 'skip_dependent' }, sessionId);
      await page.waitForFunction(() => !document.querySelector('dialog[open]') && !document.querySelector('[data-action="conflict"]'), undefined, { timeout: 10_000 });
      for (const a of asking) await waitStepState(page, a.stepId, 'skipped');
      expect(errors).toEqual([]);
    } finally {
      client.close();
      await context.close();
    }
  });

  it('answers a failed step with "roll back everything" and shows what could not be undone', async () => {
    const token = tokenFor(`console-fail-${Date.now()}`);
    const client = await TestClient.connect(ui.stack.gateway.url, token);
    const { page, errors, context } = await openPage(ui.browser);
    try {
      const { sessionId } = await client.sendOk('WORKFLOW_SUBMIT', {
        plan: {
          steps: [
            { id: 'event', type: 'calendar', action: 'create_event', description: 'Create the review meeting', params: { title: 'Review' } },
            { id: 'mail', type: 'email', action: 'send_email', description: 'Tell Ann about the review', params: { recipient: 'ann@example.org', subject: 'Review' }, dependsOn: ['event'] },
            { id: 'done', type: 'task', action: 'complete_task', description: 'Complete the prep task', params: { taskId: 'task_missing' }, dependsOn: ['mail'] },
            { id: 'follow', type: 'task', action: 'create_task', description: 'Then follow up', params: { title: 'x' }, dependsOn: ['done'] },
          ],
        },
      });
      await signInWithToken(page, `${ui.stack.gateway.url}/#wf=${sessionId}`, token);
      await page.waitForFunction(() => document.querySelectorAll('.step-card').length === 4);
      await page.locator('[data-action="approve-all"]').click();

      await client.waitFor(stepEvent(sessionId, 'done', 'failed'));
      const dialog = page.locator('dialog[data-dialog="failure"]');
      await dialog.waitFor();
      const offered = await dialog.locator('[data-option]').evaluateAll((els) => els.map((e) => e.getAttribute('data-option')));
      expect(offered).toEqual(['retry_failed', 'skip_failed', 'rollback_all', 'continue_remaining']);
      await expect(dialog.innerText()).resolves.toMatch(/task_missing/);
      // The step is named as its card names it, and the tab that watched the pause logs it.
      await expect(dialog.innerText()).resolves.toMatch(/3\. Mark a task as completed could not be completed/);
      await page.waitForFunction(() => /Workflow paused, needs you/.test(document.querySelector('.log')?.textContent ?? ''));
      await screenshot(page, 'failure-1-dialog');

      await dialog.locator('[data-option="rollback_all"]').click();
      await dialog.waitFor({ state: 'detached' });
      const end = await client.waitFor((e) => isType('WORKFLOW_STATUS', sessionId)(e) && e.payload.planState === 'failed' && e.payload.rollback?.status === 'done', 30_000, 'the rollback');
      expect(end.payload.rollback.notCompensated.map((n: { stepId: string }) => n.stepId)).toEqual(['mail']);

      await waitPlanState(page, 'failed');
      const notice = page.locator('[data-notice="rollback"][data-rollback="done"]');
      await notice.waitFor();
      await expect(notice.innerText()).resolves.toMatch(/Undone:[^\n]*(review meeting|event)[\s\S]*Could not be undone[\s\S]*Tell Ann about the review/);
      await expect(page.locator('[data-action="failure"]').count()).resolves.toBe(0);
      expect(await page.locator('dialog[open]').count()).toBe(0);
      // The inbox lists live workflows only: the failed one leaves it.
      await page.locator(`.inbox-item[data-session-id="${sessionId}"]`).waitFor({ state: 'detached', timeout: 5_000 });
      await screenshot(page, 'failure-2-rolled-back');
      expect(errors).toEqual([]);
    } finally {
      client.close();
      await context.close();
    }
  });
});
