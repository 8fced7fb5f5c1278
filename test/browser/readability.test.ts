import { SEED_REQUEST, tokenFor } from '../support/client';
import { openPage, requestDraft, screenshot, signInWithToken, stepCard, waitPlanState, useConsole } from './harness';

/** What reviewers found hard to read: zod's wording in the forms, raw JSON results, look-alike inbox entries. */
describe('approval console: plain words', () => {
  const ui = useConsole({ worker: { DEMO_USER: 'console-reader' } });
  const ZOD = /expected (int|number|string)|Invalid input|received|\{\{stepId/;

  it('says what a field takes in plain words, in the edit form and in a refused conflict answer', async () => {
    const { page, errors, context } = await openPage(ui.browser);
    await signInWithToken(page, ui.stack.gateway.url, tokenFor(`console-words-${Date.now()}`));
    await requestDraft(page);

    await stepCard(page, 'calendar_event_1').locator('[data-action="edit"]').click();
    const dialog = page.locator('dialog[data-dialog="edit"]');
    const minutes = dialog.getByLabel(/^durationMinutes/);
    const error = dialog.locator('[id$="-durationMinutes-error"]');
    for (const typed of ['2.5', 'abc']) {
      await minutes.fill(typed);
      await dialog.locator('[data-action="save-edit"]').click();
      await expect(minutes.getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(error.innerText()).resolves.toBe('Enter a whole number.');
    }
    await minutes.fill('0');
    await dialog.locator('[data-action="save-edit"]').click();
    await expect(error.innerText()).resolves.toBe('Enter 1 or more.');
    await screenshot(page, 'words-1-edit-form');
    await dialog.locator('[data-action="dismiss"]').click();

    // The server's own check of a value given for a rejected lookup: its refusal in plain words.
    await stepCard(page, 'contact_lookup_1').locator('[data-action="reject"]').click();
    await page.locator('[data-action="confirm-reject"]').click();
    const conflict = page.locator('dialog[data-dialog="conflict"]');
    await conflict.waitFor();
    await conflict.getByLabel(/Value to use instead/).fill('not an email');
    await conflict.locator('[data-option="provide_value"]').click();
    const refusal = conflict.locator('.dialog-error');
    await page.waitForFunction(() => (document.querySelector('dialog[data-dialog="conflict"] .dialog-error')?.textContent ?? '') !== '');
    await expect(refusal.innerText()).resolves.toContain('enter a valid email address');
    await expect(refusal.innerText()).resolves.not.toMatch(/Invalid email|Invalid input/);
    await screenshot(page, 'words-2-conflict-refused');
    await expect(dialog.count()).resolves.toBe(0);
    expect((await page.locator('body').innerText()).match(ZOD)).toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  });
  it('shows what a read step found as a short list, with the raw JSON folded away', async () => {
    const { page, errors, context } = await openPage(ui.browser);
    await signInWithToken(page, ui.stack.gateway.url, tokenFor('console-reader'));
    for (const [request, expected] of [
      ['Show all my contacts', /John Doe — john\.doe@company\.com[\s\S]*Sarah Connor/],
      ['Show my open tasks', /\S — status: open/],
    ] as const) {
      await requestDraft(page, request, 1);
      await page.locator('[data-action="approve-all"]').click();
      await waitPlanState(page, 'completed');
      const result = page.locator('li.step-card .result');
      const text = await result.innerText();
      expect(text).toMatch(expected);
      expect(text).not.toMatch(/[[{]"|":/);
      await expect(result.locator('.result-list li').count()).resolves.toBeGreaterThan(0);
      // The raw data is one click away.
      await result.locator('details.raw-result summary').click();
      await expect(result.locator('details.raw-result pre').innerText()).resolves.toMatch(/^[[{]/);
      await screenshot(page, `words-3-result-${request.split(' ').pop()}`);
    }
    expect(errors).toEqual([]);
    await context.close();
  });
  it('tells apart inbox entries of workflows with the same summary', async () => {
    const { page, errors, context } = await openPage(ui.browser);
    await signInWithToken(page, ui.stack.gateway.url, tokenFor(`console-twins-${Date.now()}`));
    await requestDraft(page);
    await page.getByRole('button', { name: '+ New request' }).click();
    await requestDraft(page);
    await page.waitForFunction(() => document.querySelectorAll('.inbox-item').length === 2);
    const texts = await page.$$eval('.inbox-item .inbox-open', (els) => els.map((e) => (e as HTMLElement).innerText));
    const titles = await page.$$eval('.inbox-item .inbox-summary', (els) => els.map((e) => (e as HTMLElement).innerText));
    expect(new Set(titles).size).toBe(2);
    expect(titles.map((t) => t.replace(/ #\d$/, ''))).toEqual(Array(2).fill(titles[0]!.replace(/ #\d$/, '')));
    for (const t of texts) {
      expect(t).toContain(`“${SEED_REQUEST}”`);
      expect(t).toMatch(/Started (just now|\d+ seconds? ago)/);
    }
    // Newest first: the newer one is #2.
    expect(titles[0]).toMatch(/#2$/);
    await screenshot(page, 'words-4-inbox-twins');

    // #1 ends and leaves the list: its twin keeps the number the user knows it by, and a newer
    // twin is #3, not a second "#2".
    const summaries = () => page.$$eval('.inbox-item .inbox-summary', (els) => els.map((e) => (e as HTMLElement).innerText));
    await page.locator('.inbox-item .inbox-open', { hasText: '#1' }).click();
    await page.waitForFunction(() => document.querySelector('.inbox-item.current .inbox-summary')?.textContent?.endsWith('#1'));
    await page.locator('[data-action="cancel-all"]').click();
    await page.locator('[data-action="confirm-cancel"]').click();
    await waitPlanState(page, 'cancelled');
    await page.waitForFunction(() => document.querySelectorAll('.inbox-item').length === 1);
    await expect(summaries()).resolves.toEqual([titles[0]]);
    await page.getByRole('button', { name: '+ New request' }).click();
    await requestDraft(page);
    await page.waitForFunction(() => document.querySelectorAll('.inbox-item').length === 2);
    const after = await summaries();
    expect(after[0]).toMatch(/#3$/);
    expect(after[1]).toBe(titles[0]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
