import { openPage, PHONE, requestDraft, screenshot, stepCard, waitPlanState, waitStepState, loggedEventIds, useConsole } from './harness';

/**
 * The seed's walk-through in a real browser, in dev mode (no JWT_SECRET): the console signs in by
 * itself with the gateway's dev token, the user types the seed's request, reviews the draft and its
 * graph, approves everything and watches it run to the end.
 */
describe('approval console: seed walk-through (dev mode)', () => {
  const ui = useConsole({ gateway: { JWT_SECRET: '' }, worker: { DEMO_USER: 'demo-user' } });

  it('signs in by itself, shows the draft and its graph, approves all and shows the results', async () => {
    const { page, errors, context } = await openPage(ui.browser);
    await page.goto(ui.stack.gateway.url);
    await page.waitForSelector('[data-conn="online"]');
    expect(await page.locator('#token-input').count()).toBe(0);

    await requestDraft(page);
    // Step cards, in order, with description, action, risk in words, time, outcome and params.
    const ids = await page.$$eval('li.step-card', (els) => els.map((e) => e.getAttribute('data-step-id')));
    expect(ids).toEqual(['contact_lookup_1', 'email_draft_1', 'calendar_event_1']);
    await expect(stepCard(page, 'contact_lookup_1').locator('.badge.risk').innerText()).resolves.toContain('Low risk');
    await expect(stepCard(page, 'email_draft_1').locator('.badge.risk').innerText()).resolves.toContain('Medium risk');
    await expect(stepCard(page, 'email_draft_1').innerText()).resolves.toMatch(/email\.create_draft[\s\S]*Estimated time[\s\S]*Expected outcome/);
    // The recipient template is a link to the step it comes from.
    const tpl = stepCard(page, 'email_draft_1').locator('a.tpl');
    await expect(tpl.getAttribute('href')).resolves.toBe('#step-contact_lookup_1');
    await expect(tpl.getAttribute('data-template')).resolves.toBe('{{contact_lookup_1.email}}');
    // Plan summary, duration and risks.
    await expect(page.locator('.wf-head').innerText()).resolves.toMatch(/3-step workflow[\s\S]*Estimated duration[\s\S]*Risks/);

    // The graph: three nodes laid out by dagre, two edges from the lookup, labelled with their effect.
    await expect(page.locator('svg.graph-svg g.node').count()).resolves.toBe(3);
    const edges = await page.$$eval('svg.graph-svg g.edge', (els) => els.map((e) => `${e.getAttribute('data-from')}>${e.getAttribute('data-to')}:${e.querySelector('text')?.textContent}`));
    expect(edges.sort()).toEqual(['contact_lookup_1>calendar_event_1:blocks', 'contact_lookup_1>email_draft_1:blocks']);
    const ys = await page.$$eval('svg.graph-svg g.node', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-step-id'), Number(/,([\d.]+)\)/.exec(e.getAttribute('transform') ?? '')?.[1])])));
    expect(ys['contact_lookup_1']).toBeLessThan(ys['email_draft_1']!);
    await screenshot(page, 'walkthrough-1-draft');

    // Keyboard: Approve all is reachable and usable from the keyboard.
    await page.locator('[data-action="approve-all"]').focus();
    await page.keyboard.press('Enter');
    await waitPlanState(page, 'completed');
    for (const id of ids) await waitStepState(page, id!, 'completed');
    await expect(stepCard(page, 'contact_lookup_1').locator('.result').innerText()).resolves.toContain('john.doe@company.com');
    await expect(stepCard(page, 'email_draft_1').locator('.result').innerText()).resolves.toContain('draftId');
    await expect(page.locator('g.node[data-state="completed"]').count()).resolves.toBe(3);
    const logged = await loggedEventIds(page);
    expect(new Set(logged).size).toBe(logged.length);
    await screenshot(page, 'walkthrough-2-completed');

    // The same page on a phone-sized screen: nothing wider than the viewport.
    await page.setViewportSize(PHONE);
    await page.waitForTimeout(200);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await screenshot(page, 'walkthrough-3-phone');

    expect(errors).toEqual([]);
    await context.close();
  });
});
