import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Locator } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { ConnectionRegistry } from '../../src/gateways/connection-registry';
import { MediaRelay } from '../../src/media/relay';
import { X11Screen } from '../../src/native/x11';
import type { RunningNode } from '../../src/node/start-node';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { startDesktopAgent } from '../support/desktop-agent';
import { startInProcessNode, type TestNode } from '../support/node';
import { waitFor } from '../support/wait';
import { startXvfb, type TestDisplay } from '../support/xvfb';

const W = 2560;
const H = 720;
const ARTIFACTS = resolve(PROJECT_ROOT, 'test', 'artifacts');

/** The colour of a canvas pixel (canvas = desktop pixels), as [r, g, b]. */
async function pixel(canvas: Locator, x: number, y: number): Promise<number[]> {
  return canvas.evaluate((c: HTMLCanvasElement, p) => [...c.getContext('2d')!.getImageData(p.x, p.y, 1, 1).data.slice(0, 3)], { x, y });
}

const near = (rgb: number[], want: number[]): boolean => rgb.every((v, i) => Math.abs(v - want[i]!) < 40);
const RED = [0xd0, 0x30, 0x30];
const GREEN = [0x30, 0xa0, 0x50];
const BLUE = [0x20, 0x40, 0xd0];

/** The page position of a canvas pixel (the canvas is letterboxed with object-fit: contain). */
async function pagePoint(canvas: Locator, x: number, y: number): Promise<{ x: number; y: number }> {
  return canvas.evaluate((c: HTMLCanvasElement, p) => {
    const r = c.getBoundingClientRect();
    const scale = Math.min(r.width / c.width, r.height / c.height);
    return { x: r.left + (r.width - c.width * scale) / 2 + (p.x + 0.5) * scale, y: r.top + (r.height - c.height * scale) / 2 + (p.y + 0.5) * scale };
  }, { x, y });
}

/**
 * Two XRandR monitors in the cockpit: one click shows either monitor or both side by side at their
 * geometry (input lands on the monitor under the pointer), and one monitor opens in a window of its
 * own, a second viewer of the same session.
 */
describe('several monitors in the cockpit', () => {
  let x: TestDisplay;
  let t: TestNode & { node: RunningNode };
  let chromium: TestBrowser;

  beforeAll(async () => {
    execFileSync('bash', ['scripts/build-web.sh'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    mkdirSync(ARTIFACTS, { recursive: true });
    x = await startXvfb({ width: W, height: H });
    await x.x('xrandr', ['--setmonitor', 'left', '1280/338x720/190+0+0', 'screen']);
    await x.x('xrandr', ['--setmonitor', 'right', '1280/338x720/190+1280+0', 'none']);
    t = await startInProcessNode({ media: { rtc: { enabled: false } } });
    chromium = await launchChromium();
  });

  afterAll(async () => {
    await chromium?.close();
    await t?.stop();
    await x?.stop();
  });

  it('shows one monitor or all of them with one click, maps input to the monitor under the pointer, and opens a monitor in its own window', async () => {
    const x11 = new X11Screen(x.display);
    const painter = new X11Screen(x.display);
    painter.paint(0, 0, 1280, H, 0xd03030);
    painter.paint(1280, 0, 1280, H, 0x30a050);
    painter.paint(1280 + 900, 400, 200, 150, 0x2040d0);
    const desk = await startDesktopAgent(t, 'desk-two', { screen: { monitors: () => x11.monitors(), capture: (m, o) => x11.capture(m, o), close: () => x11.close() }, injector: x11 });
    const ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 760 } });
    try {
      const page = await ctx.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(`${t.url}/`);
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('alice-pw');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('[data-agent="desk-two"]').click();
      await page.getByRole('button', { name: 'Assist desk-two' }).click();
      await desk.waitForQuestion('asks to view your screen');
      desk.type('y', 'interact');
      await page.locator('[data-testid="mode"]', { hasText: 'Interact' }).waitFor();
      const canvas = page.getByLabel('Remote screen');
      await canvas.waitFor({ state: 'visible' });
      const monitors = page.getByRole('group', { name: 'Monitor' });
      expect(await monitors.getByRole('button').allTextContents()).toEqual(['Screen 1', 'Screen 2', 'All monitors']);

      // One click: the right monitor alone.
      await monitors.getByRole('button', { name: 'Screen 2' }).click();
      expect(await monitors.getByRole('button', { name: 'Screen 2' }).getAttribute('aria-pressed')).toBe('true');
      await waitFor('the right monitor on the canvas', async () => near(await pixel(canvas, 10, 10), GREEN) && near(await pixel(canvas, 1000, 450), BLUE), 10_000, 100);
      expect(await canvas.evaluate((c: HTMLCanvasElement) => [c.width, c.height])).toEqual([1280, 720]);

      // One click: both, side by side as XRandR places them.
      await monitors.getByRole('button', { name: 'All monitors' }).click();
      await waitFor('both monitors on one canvas', async () => near(await pixel(canvas, 10, 10), RED) && near(await pixel(canvas, 1290, 10), GREEN) && near(await pixel(canvas, 1280 + 1000, 450), BLUE)
        && near(await pixel(canvas, 10, H - 5), RED) && near(await pixel(canvas, W - 5, H - 5), GREEN) && near(await pixel(canvas, 1290, H - 5), GREEN), 10_000, 100);
      expect(await canvas.evaluate((c: HTMLCanvasElement) => [c.width, c.height])).toEqual([W, H]);
      await page.screenshot({ path: resolve(ARTIFACTS, 'monitors-01-all.png') });

      // Input in the combined view lands on the monitor under the pointer.
      const onRight = await pagePoint(canvas, 1280 + 640, 360);
      await page.mouse.move(onRight.x, onRight.y);
      await waitFor('the pointer on the right monitor', async () => {
        const m = /x:(\d+) y:(\d+)/.exec(await x.x('xdotool', ['getmouselocation']));
        return m !== null && Math.abs(Number(m[1]) - 1920) <= 4 && Math.abs(Number(m[2]) - 360) <= 4;
      }, 5000, 50);
      const onLeft = await pagePoint(canvas, 200, 100);
      await page.mouse.move(onLeft.x, onLeft.y);
      await waitFor('the pointer on the left monitor', async () => {
        const m = /x:(\d+) y:(\d+)/.exec(await x.x('xdotool', ['getmouselocation']));
        return m !== null && Math.abs(Number(m[1]) - 200) <= 4 && Math.abs(Number(m[2]) - 100) <= 4;
      }, 5000, 50);

      // The right monitor in a window of its own: a second tab, its own viewer of the session.
      await monitors.getByRole('button', { name: 'Screen 2' }).click();
      const [solo] = await Promise.all([ctx.waitForEvent('page'), page.getByRole('button', { name: 'Open in new window' }).click()]);
      await solo.setViewportSize({ width: 1280, height: 760 });
      const soloCanvas = solo.getByLabel('Remote screen');
      await soloCanvas.waitFor({ state: 'visible', timeout: 15_000 });
      expect(new URL(solo.url()).searchParams.get('monitor')).toBe('1');
      await waitFor('the right monitor in the new window', async () => near(await pixel(soloCanvas, 10, 10), GREEN) && near(await pixel(soloCanvas, 1000, 450), BLUE), 10_000, 100);
      expect(await solo.evaluate(() => document.body.classList.contains('solo-window'))).toBe(true);
      expect(await solo.getByRole('group', { name: 'Monitor' }).getByRole('button', { name: 'Screen 2' }).getAttribute('aria-pressed')).toBe('true');
      const conns = t.node.app.get(ConnectionRegistry).ofIdentity('person', 'alice').filter((c) => c.endpoint === 'console');
      expect(conns).toHaveLength(2);
      const relay = t.node.app.get(MediaRelay);
      for (const c of conns) expect(relay.viewerStats(c.id)?.sentFrames ?? 0).toBeGreaterThan(0);
      await solo.screenshot({ path: resolve(ARTIFACTS, 'monitors-02-own-window.png') });
      await solo.close();
    } finally {
      desk.stop();
      painter.close();
      await ctx.close();
    }
  });
});
