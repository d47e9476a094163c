import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.TANDEM_CHROMIUM ?? '/usr/bin/chromium';

/** Flags without which Chromium tries the network at start (refused here) or needs a sandbox. */
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

export interface TestBrowser {
  readonly browser: Browser;
  /** The browser's main process, so tests can check it is gone after close(). */
  readonly pid: number;
  close(): Promise<void>;
}

/**
 * Headless Debian Chromium driven by playwright-core (launched as a server so its PID is known;
 * playwright gives it a fresh temporary profile and removes it on close).
 */
export async function launchChromium(opts: { display?: string; windowSize?: { width: number; height: number } } = {}): Promise<TestBrowser> {
  // With `display`, a headed Chromium on that X display (an Xvfb), window at the top-left corner.
  const headed = opts.display !== undefined;
  const size = opts.windowSize ?? { width: 1280, height: 720 };
  const server = await chromium.launchServer({
    executablePath: CHROMIUM_PATH,
    headless: !headed,
    args: headed ? [...ARGS, '--window-position=0,0', `--window-size=${size.width},${size.height}`] : ARGS,
    env: headed ? { ...process.env, DISPLAY: opts.display } : undefined,
  });
  const pid = server.process().pid;
  if (pid === undefined) throw new Error('chromium started without a pid');
  const browser = await chromium.connect(server.wsEndpoint());
  let closing: Promise<void> | undefined;
  return {
    browser,
    pid,
    close: () => (closing ??= (async () => {
      await browser.close().catch(() => undefined);
      await server.close();
    })()),
  };
}

/** Where the web tests' screenshots go (look at them: CI keeps them as artifacts). */
export const ARTIFACTS = resolve(__dirname, '..', 'artifacts');

/** A page in a context of its own (its own storage: another person), 10 s default timeout. Closed with the browser. */
export async function newPage(b: TestBrowser, viewport: { width: number; height: number }, opts: { acceptDownloads?: boolean } = {}): Promise<Page> {
  const ctx = await b.browser.newContext({ viewport, ...opts });
  const page = await ctx.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

/** Dismisses the toasts (already checked by the test) and saves a screenshot as test/artifacts/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const close of await page.getByRole('button', { name: 'Dismiss message' }).all()) await close.click().catch(() => undefined);
  await page.screenshot({ path: resolve(ARTIFACTS, `${name}.png`) });
}

/** Signs in on the cockpit's form (test users' passwords are `<username>-pw`) and waits for the Online list. */
export async function signInCockpit(page: Page, url: string, username: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(`${username}-pw`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Online' }).waitFor();
}
