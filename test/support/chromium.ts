import { chromium, type Browser } from 'playwright-core';

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
