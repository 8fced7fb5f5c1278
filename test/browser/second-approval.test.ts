/**
 * SPEC §6.10 in the console: the owner's approval leaves an email step waiting for a second
 * approval (and says by whom); a manager signed in with a token holding the approver role finds
 * the plan in the inbox, sees only what is theirs to decide, approves it, and the plan runs.
 */
import { tokenFor } from '../support/client';
import { openPage, requestDraft, screenshot, signInWithToken, stepCard, useConsole, waitPlanState } from './harness';

const OWNER = 'console-requester';
const MANAGER = 'console-manager';

describe('approval console: second approval', () => {
  const ui = useConsole({ worker: { DEMO_USER: OWNER } });

  it('the owner approves, a manager gives the second approval, the plan runs', async () => {
    const put = await fetch(`${ui.stack.gateway.url}/admin/permissions/${OWNER}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokenFor('console-operator', { roles: ['admin'] })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requiresSecondaryApproval: { stepTypes: ['email'], approverRole: 'manager' } }),
    });
    expect(put.status).toBe(200);

    const owner = await openPage(ui.browser);
    const manager = await openPage(ui.browser);
    try {
      await signInWithToken(owner.page, ui.stack.gateway.url, tokenFor(OWNER));
      const sessionId = await requestDraft(owner.page);
      await owner.page.locator('[data-action="approve-all"]').click();
      const email = stepCard(owner.page, 'email_draft_1');
      await email.locator('[data-approval="waiting_user_approval"]').waitFor();
      await expect(email.locator('.status-text').innerText()).resolves.toBe('Waiting for a second approval');
      await expect(email.locator('[data-second-approval="needed"]').innerText()).resolves.toContain('Approved by you; waits for someone with the role “manager”');
      // Nothing more for the owner to approve there, and the plan has not started.
      await expect(email.locator('[data-action="approve"]').count()).resolves.toBe(0);
      await expect(owner.page.locator('[data-action="approve-all"]').count()).resolves.toBe(0);
      await waitPlanState(owner.page, 'created');
      await owner.page.locator('details.activity li', { hasText: 'Waiting for a second approval: 2. ' }).waitFor();
      await screenshot(owner.page, 'second-approval-1-owner-waits');

      await signInWithToken(manager.page, ui.stack.gateway.url, tokenFor(MANAGER, { roles: ['manager'] }));
      const item = manager.page.locator(`.inbox-item[data-session-id="${sessionId}"]`);
      await expect(item.innerText()).resolves.toContain(`1 step of ${OWNER}'s plan awaits your approval`);
      await item.locator('button').click();
      const theirs = stepCard(manager.page, 'email_draft_1');
      await theirs.locator('[data-second-approval="needed"]').waitFor();
      await expect(theirs.locator('[data-second-approval]').innerText()).resolves.toContain(`Approved by ${OWNER}; waits for yours`);
      await expect(manager.page.locator('p.original').innerText()).resolves.toContain(`${OWNER} asked`);
      // The approver decides the waiting step and nothing else of someone else's plan.
      await expect(theirs.locator('[data-action]').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))).resolves.toEqual(['approve', 'reject']);
      await expect(stepCard(manager.page, 'contact_lookup_1').locator('[data-action]').count()).resolves.toBe(0);
      await expect(manager.page.locator('[data-action="cancel-all"]').count()).resolves.toBe(0);
      await expect(manager.page.locator('[data-action="audit"]').count()).resolves.toBe(0);
      await screenshot(manager.page, 'second-approval-2-manager');

      await theirs.locator('[data-action="approve"]').click();
      await waitPlanState(manager.page, 'completed');
      await waitPlanState(owner.page, 'completed');
      await expect(stepCard(owner.page, 'email_draft_1').locator('[data-second-approval="given"]').innerText()).resolves.toBe(`Given by ${MANAGER}`);
      await screenshot(owner.page, 'second-approval-3-done');
      expect([...owner.errors, ...manager.errors]).toEqual([]);
    } finally {
      await owner.context.close();
      await manager.context.close();
    }
  });

  it('a step whose type the user may not approve offers no approval and says why', async () => {
    const user = 'console-restricted';
    const put = await fetch(`${ui.stack.gateway.url}/admin/permissions/${user}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokenFor('console-operator', { roles: ['admin'] })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ canApproveSteps: ['contact', 'calendar'] }),
    });
    expect(put.status).toBe(200);
    const { page, errors, context } = await openPage(ui.browser);
    try {
      await signInWithToken(page, ui.stack.gateway.url, tokenFor(user));
      await requestDraft(page);
      const email = stepCard(page, 'email_draft_1');
      await expect(email.locator('[data-not-approvable]').innerText()).resolves.toBe('Your permissions do not let you approve email steps: reject or skip it');
      await expect(email.locator('[data-action]').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))).resolves.toEqual(['reject', 'skip', 'edit']);
      await expect(stepCard(page, 'calendar_event_1').locator('[data-action="approve"]').count()).resolves.toBe(1);
      // Approve all names what it cannot approve, and changes nothing.
      await page.locator('[data-action="approve-all"]').click();
      await page.getByText(/may not approve email steps \(email_draft_1\)/).first().waitFor();
      await expect(stepCard(page, 'calendar_event_1').locator('.status-text').innerText()).resolves.toBe('Awaiting your decision');
      await screenshot(page, 'permissions-not-approvable');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
