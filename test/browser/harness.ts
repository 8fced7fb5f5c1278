import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { SEED_REQUEST } from '../support/client';
import { ROOT, startStack, type Stack } from '../support/processes';

export { SEED_REQUEST };

export const CONSOLE_DIST = join(ROOT, 'apps', 'console', 'dist');
export const SCREENSHOTS = join(ROOT, 'artifacts', 'screenshots');
const CHROMIUM = process.env['CHROMIUM_PATH'] || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const DESKTOP = { width: 1400, height: 1000 };
export const PHONE = { width: 390, height: 844 };

/** Newest modification time under `dir` (recursively). */
function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return t;
}

/**
 * The gateway serves apps/console/dist. `npm test` builds it first (turbo: test depends on build);
 * a bare `jest` run builds it here when it is missing or older than its sources.
 */
export function ensureConsoleBuilt(): void {
  const app = join(ROOT, 'apps', 'console');
  const index = join(CONSOLE_DIST, 'index.html');
  const sourcesTime = Math.max(newest(join(app, 'src')), statSync(join(app, 'index.html')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sourcesTime) return;
  try {
    execFileSync('npm', ['run', 'build', '-w', '@wfa/console'], { cwd: ROOT, stdio: 'pipe' });
  } catch (err) {
    const e = err as Error & { stderr?: Buffer };
    throw new Error(`the approval console could not be built (npm run build -w @wfa/console): ${e.message}\n${e.stderr?.toString() ?? ''}`);
  }
  if (!existsSync(index)) throw new Error(`the console build did not produce ${index}`);
}

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** A page that records console errors and uncaught exceptions, so a test can assert there were none. */
/**
 * A stack (gateway and worker) and Chromium for the tests of one describe: started before them,
 * closed after them. Both fields are filled in by beforeAll.
 */
export function useConsole(env: Parameters<typeof startStack>[0] = {}): { stack: Stack; browser: Browser } {
  const ui = {} as { stack: Stack; browser: Browser };
  beforeAll(async () => {
    ensureConsoleBuilt();
    [ui.stack, ui.browser] = await Promise.all([startStack(env), launch()]);
  }, 120_000);
  afterAll(async () => {
    await ui.browser?.close();
    await ui.stack?.stop();
  });
  return ui;
}

export async function openPage(browser: Browser, viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.setDefaultTimeout(20_000);
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  // A full-page capture of an open modal dialog comes out garbled: then take the viewport only.
  const dialogOpen = (await page.locator('dialog[open]').count()) > 0;
  await page.screenshot({ path, fullPage: !dialogOpen });
  return path;
}

export async function signInWithToken(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('[data-conn="online"]');
}

/**
 * Type the request and wait for its draft's step cards. The workflow shown before (if any) stays
 * until the new one's acknowledgement, then a placeholder shows while it loads: only a workflow
 * with another id and its step cards is the new draft.
 */
export async function requestDraft(page: Page, text = SEED_REQUEST, steps = 3): Promise<string> {
  const shown = () => document.querySelector('section.workflow')?.getAttribute('data-session-id') ?? null;
  const before = await page.evaluate(shown);
  await page.getByRole('textbox', { name: 'What should be done?' }).fill(text);
  await page.getByRole('button', { name: 'Plan it' }).click();
  const drafted = await page.waitForFunction(
    ([n, old]) => {
      const section = document.querySelector('section.workflow');
      const id = section?.getAttribute('data-session-id');
      return id && id !== old && section!.querySelectorAll('.step-card').length === n ? id : false;
    },
    [steps, before] as const,
  );
  return (await drafted.jsonValue()) as string;
}

export const stepCard = (page: Page, stepId: string) => page.locator(`li.step-card[data-step-id="${stepId}"]`);

export async function waitPlanState(page: Page, state: string, timeout = 30_000): Promise<void> {
  await page.waitForSelector(`[data-plan-state="${state}"]`, { timeout });
}

export async function waitStepState(page: Page, stepId: string, state: string, timeout = 30_000): Promise<void> {
  await page.waitForSelector(`li.step-card[data-step-id="${stepId}"] .status-line[data-status="${state}"]`, { timeout });
}

/** Every activity entry carries its event id: none may appear twice. */
export async function loggedEventIds(page: Page): Promise<string[]> {
  return page.$$eval('.log li[data-event-id]', (els) => els.map((e) => e.getAttribute('data-event-id') ?? ''));
}
