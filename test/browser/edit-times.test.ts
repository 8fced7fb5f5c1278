/**
 * The edit form's time fields (SPEC §7: ISO 8601) are date-time pickers in the browser's time zone:
 * what the person picks is sent as ISO 8601 with that zone's offset, and an untouched picker keeps
 * the original text.
 */
import { tokenFor } from '../support/client';
import { DESKTOP, requestDraft, signInWithToken, stepCard, useConsole } from './harness';

const USER = 'console-times';

describe('approval console: editing a time', () => {
  const ui = useConsole({ worker: { DEMO_USER: USER } });

  it('picks a start time in local time and sends it with the offset of that zone', async () => {
    const context = await ui.browser.newContext({ viewport: DESKTOP, timezoneId: 'Europe/Berlin' });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await signInWithToken(page, ui.stack.gateway.url, tokenFor(USER));
      await requestDraft(page);
      await stepCard(page, 'calendar_event_1').locator('[data-action="edit"]').click();
      const dialog = page.locator('dialog[data-dialog="edit"]');
      const start = dialog.getByLabel(/^start/);
      await expect(start.getAttribute('type')).resolves.toBe('datetime-local');
      await expect(dialog.locator('.field:has(#param-calendar_event_1-start) .hint').innerText()).resolves.toContain('Your local time (Europe/Berlin)');
      await start.fill('2030-01-15T09:30');
      await dialog.locator('[data-action="save-edit"]').click();
      await dialog.waitFor({ state: 'detached' });
      const card = stepCard(page, 'calendar_event_1');
      await expect(card.locator('.params').innerText()).resolves.toContain('2030-01-15T09:30:00+01:00');

      // Opened again, the picker shows the same local time; saving it untouched changes nothing.
      await card.locator('[data-action="edit"]').click();
      await expect(dialog.getByLabel(/^start/).inputValue()).resolves.toBe('2030-01-15T09:30');
      await dialog.locator('[data-action="save-edit"]').click();
      await dialog.locator('.field-error:has-text("Nothing was changed")').waitFor();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
