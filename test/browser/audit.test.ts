/**
 * SPEC §6.11 in the console: the "Audit log" button shows the workflow's log in plain words under
 * its verification, and a log edited in Redis shows as not verifying, naming the entry.
 */
import Redis from 'ioredis';
import { redisUrl } from '../support/processes';
import { tokenFor } from '../support/client';
import { openPage, requestDraft, screenshot, signInWithToken, useConsole, waitPlanState } from './harness';

const USER = 'console-auditor';
const AUDIT_KEY = 'console-audit-key-0123456789';

describe('approval console: audit log', () => {
  const ui = useConsole({ gateway: { AUDIT_KEY }, worker: { DEMO_USER: USER, AUDIT_KEY } });

  it('shows who did what, verified, and says so when an entry was edited', async () => {
    const { page, errors, context } = await openPage(ui.browser);
    const redis = new Redis(redisUrl());
    try {
      await signInWithToken(page, ui.stack.gateway.url, tokenFor(USER));
      const sessionId = await requestDraft(page);
      await page.locator('[data-action="approve-all"]').click();
      await waitPlanState(page, 'completed');

      await page.locator('[data-action="audit"]').click();
      const dialog = page.locator('dialog[data-dialog="audit"]');
      await dialog.locator('[data-audit-valid="true"]').waitFor();
      await expect(dialog.locator('[data-audit-valid]').innerText()).resolves.toMatch(/verifies: \d+ entries, each sealed/);
      const text = await dialog.locator('.audit-log').innerText();
      expect(text).toContain('You Created the plan');
      expect(text).toMatch(/You Approved · 1\. /);
      expect(text).toMatch(/The service Step · 1\. .* · Not started → Running/);
      expect(text).toContain('Running → Done');
      expect(text).toContain('(Approve all, from 127.0.0.1)');
      // Newest first: the plan's completion heads the list, its creation ends it.
      await expect(dialog.locator('.audit-log li').first().getAttribute('data-audit-action')).resolves.toBe('plan_state_changed');
      await expect(dialog.locator('.audit-log li').last().getAttribute('data-audit-action')).resolves.toBe('created');
      await screenshot(page, 'audit-1-verified');
      const count = await dialog.locator('.audit-log li').count();
      await dialog.locator('[data-action="dismiss"]').click();
      await dialog.waitFor({ state: 'detached' });

      const list = `${ui.stack.prefix}workflow:{${sessionId}}:audit`;
      const second = JSON.parse((await redis.lindex(list, 1))!);
      await redis.lset(list, 1, JSON.stringify({ ...second, userId: 'someone-else' }));
      await page.locator('[data-action="audit"]').click();
      await dialog.locator('[data-audit-valid="false"]').waitFor();
      await expect(dialog.locator('[data-audit-valid]').innerText()).resolves.toContain('does not verify. Entry 2 was changed after it was written');
      // The whole log is still shown, the edited entry marked.
      await expect(dialog.locator('.audit-log li').count()).resolves.toBe(count);
      await expect(dialog.locator('li.audit-suspect').getAttribute('data-audit-seq')).resolves.toBe('2');
      await screenshot(page, 'audit-2-tampered');
      expect(errors).toEqual([]);
    } finally {
      await redis.quit();
      await context.close();
    }
  });
});
