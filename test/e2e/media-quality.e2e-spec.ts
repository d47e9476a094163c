import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { ConnectionRegistry } from '../../src/gateways/connection-registry';
import { FLOOR_LEVEL, QUALITY_LADDER } from '../../src/media/quality-policy';
import { MediaRelay } from '../../src/media/relay';
import type { SessionQualityReport } from '../../src/media/session-quality';
import { decodeJpeg } from '../../src/native';
import { decodeLossless } from '../../src/native/lossless-codec';
import { X11Screen } from '../../src/native/x11';
import type { RunningNode } from '../../src/node/start-node';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { startDesktopAgent } from '../support/desktop-agent';
import { startInProcessNode, type TestNode } from '../support/node';
import { person } from '../support/people';
import { startThrottleProxy, type ThrottleProxy } from '../support/throttle-proxy';
import { waitFor } from '../support/wait';
import { startXvfb, type TestDisplay } from '../support/xvfb';

const W = 1280;
const H = 720;
/** The floor the ladder is built for: 256 kbit/s. */
const RATE = 256_000 / 8;
const ARTIFACTS = resolve(PROJECT_ROOT, 'test', 'artifacts');
/** The text block on the desktop page, in CSS pixels of the page (= screen pixels below the browser's own bar). */
const TEXT_BOX = { left: 40, top: 150, width: 760, height: 420 };
/** The log beside it, rewritten line by line while the agent is at the floor (its tiles are floor-quality JPEG). */
const LOG_BOX = { left: 840, top: 150, width: 400, height: 420 };

const DESKTOP_PAGE = `<!doctype html><title>Release notes</title>
<body style="margin:0;background:#fff;color:#111;font:15px DejaVu Sans,sans-serif">
<div id="text" style="position:absolute;left:${TEXT_BOX.left}px;top:${TEXT_BOX.top}px;width:${TEXT_BOX.width}px;height:${TEXT_BOX.height}px;overflow:hidden">
  <h1 style="font-size:34px;margin:0 0 12px">Release 4.2 — what changed</h1>
  <p style="margin:0 0 10px">The printer queue now retries a job three times before it reports an error to the user.
  Jobs that fail after the third attempt keep their place in the queue and can be restarted from the tray icon.</p>
  <p style="margin:0 0 10px;font-size:13px">Configuration: <code>/etc/printers/queue.conf</code>, key <code>retry_count = 3</code>,
  <code>retry_delay_ms = 1500</code>. Restart the spooler with <code>systemctl restart cupsd</code> after a change.</p>
  <ol style="margin:0;padding-left:22px;line-height:1.45">
    <li>Open the printer settings and select the office printer.</li>
    <li>Check that the driver version reads 4.2.0 or later.</li>
    <li>Print the test page; the footer shows the queue identifier Q-7731.</li>
    <li>Report the identifier to the help desk if the page does not come out.</li>
  </ol>
</div>
<pre id="log" style="position:absolute;left:${LOG_BOX.left}px;top:${LOG_BOX.top}px;width:${LOG_BOX.width}px;height:${LOG_BOX.height}px;margin:0;font:13px DejaVu Sans Mono,monospace;color:#123;overflow:hidden;background:#f3f5f9"></pre>
<div id="clock" style="position:absolute;left:40px;top:600px;font:22px DejaVu Sans,sans-serif"></div>
<script>
  let n = 0;
  const log = document.getElementById('log');
  log.textContent = Array.from({ length: 28 }, (_, i) => 'job ' + (100000 + i) + ' waiting').join('\\n');
  // Ten times a second one line of the log and the counter change (a busy status screen, a terminal).
  window.ticker = setInterval(() => {
    n++;
    const lines = log.textContent.split('\\n');
    lines[n % 28] = 'job ' + (100000 + n * 7919 % 900000) + ' spooled ' + (n % 60) + ' pages ok';
    log.textContent = lines.join('\\n');
    document.getElementById('clock').textContent = 'Queue heartbeat #' + n;
  }, 100);
  window.stopTicker = () => clearInterval(window.ticker);
</script>`;

/** Luminance (0–255) of BGRA pixels, per pixel. */
function luminance(bgra: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.round(0.114 * bgra[i * 4]! + 0.587 * bgra[i * 4 + 1]! + 0.299 * bgra[i * 4 + 2]!);
  return out;
}

/**
 * How close a viewer's picture of a text box is to the display, as two figures over `box`:
 * `inkMismatch`, the share of pixels on the other side of mid-grey (ink where the display has paper
 * or the reverse: glyph shapes), and `meanError`, the mean luminance difference. JPEG at the floor
 * quality blurs glyph edges a little (meanError of a few levels) but keeps their shapes (inkMismatch
 * well under 2 %); a wrong or stale picture of the text moves both by an order of magnitude.
 */
function compareText(view: Uint8Array, truth: Uint8Array, box: { left: number; top: number; width: number; height: number }): { inkMismatch: number; meanError: number } {
  let mismatch = 0;
  let error = 0;
  let n = 0;
  for (let y = box.top; y < box.top + box.height; y++) {
    for (let x = box.left; x < box.left + box.width; x++) {
      const a = view[y * W + x]!;
      const b = truth[y * W + x]!;
      if ((a < 128) !== (b < 128)) mismatch++;
      error += Math.abs(a - b);
      n++;
    }
  }
  return { inkMismatch: mismatch / n, meanError: error / n };
}

/**
 * Quality adaptation with the real agent on Xvfb: a text screen that keeps changing (a line of a
 * log and a counter, ten times a second), a technician's cockpit behind a 256 kbit/s link (a pacing TCP proxy)
 * and a second technician on a direct connection. The agent steps down the quality ladder for the
 * slow one, the slow one keeps receiving frames with a bounded delay and ends on a readable copy of
 * the text, the fast one keeps getting every frame the agent sends, the indicator and /metrics show
 * the degradation, and the agent climbs back once the link is fast again.
 */
describe('quality adaptation to a slow viewer', () => {
  let x: TestDisplay;
  let t: TestNode & { node: RunningNode };
  let desktop: TestBrowser;
  let tech: TestBrowser;
  let proxy: ThrottleProxy;

  beforeAll(async () => {
    execFileSync('bash', ['scripts/build-web.sh'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    mkdirSync(ARTIFACTS, { recursive: true });
    x = await startXvfb({ width: W, height: H });
    // Tiles only (the agent here has no WebRTC), and a heartbeat that a slow link does not trip.
    t = await startInProcessNode({ media: { rtc: { enabled: false } }, ws: { heartbeatMs: 120_000 } });
    desktop = await launchChromium({ display: x.display, windowSize: { width: W, height: H } });
    tech = await launchChromium();
    proxy = await startThrottleProxy(t.port, Infinity);
  });

  afterAll(async () => {
    await proxy?.close();
    await tech?.close();
    await desktop?.close();
    await t?.stop();
    await x?.stop();
  });

  it('keeps a readable screen at 256 kbit/s by lowering quality, then rate, for that viewer; the fast viewer is not starved; it climbs back when the link is fast', async () => {
    const app = await (await desktop.browser.newContext({ viewport: null })).newPage();
    await app.setContent(DESKTOP_PAGE);
    // The window sits at 0,0; the page starts below the browser's tab and address bars.
    const bar = await app.evaluate(() => ({ x: Math.round((window.outerWidth - window.innerWidth) / 2), y: window.outerHeight - window.innerHeight }));
    const onScreen = (b: typeof TEXT_BOX): typeof TEXT_BOX => ({ ...b, left: b.left + bar.x, top: b.top + bar.y });
    const [textBox, logBox] = [onScreen(TEXT_BOX), onScreen(LOG_BOX)];
    expect(textBox.top + textBox.height).toBeLessThanOrEqual(H);
    const x11 = new X11Screen(x.display);
    const truthScreen = new X11Screen(x.display);
    const desk = await startDesktopAgent(t, 'desk-quality', { screen: { monitors: () => x11.monitors(), capture: (m, o) => x11.capture(m, o), close: () => x11.close() }, fps: 20, quality: 80 });
    const bob = await person(t, 'bob');
    const ctx = await tech.browser.newContext({ viewport: { width: 1280, height: 760 } });
    const alice = await ctx.newPage();
    alice.setDefaultTimeout(15_000);
    const relay = t.node.app.get(MediaRelay);
    const connOf = (user: string): string => t.node.app.get(ConnectionRegistry).ofIdentity('person', user).find((c) => c.endpoint === 'console')!.id;
    const report = (sessionId: string): SessionQualityReport => relay.sessionQuality(sessionId);
    try {
      // Alice signs in through the proxy while it is still fast (the page's assets are not the test).
      await alice.goto(`http://127.0.0.1:${proxy.port}/`);
      await alice.getByLabel('Username').fill('alice');
      await alice.getByLabel('Password').fill('alice-pw');
      await alice.getByRole('button', { name: 'Sign in' }).click();
      await alice.getByRole('heading', { name: 'Online' }).waitFor();

      await waitFor('the agent online', async () => (await bob.ask('online.list', {})).agents.some((a: { agentId: string }) => a.agentId === desk.agentId));
      const { sessionId } = await bob.ask('assist.request', { agentId: desk.agentId });
      await desk.waitForQuestion('asks to view your screen');
      desk.type('y', 'observe');
      await bob.next('session.state', (s) => s.sessionId === sessionId && s.mode === 'observe');
      await waitFor('bob sees the screen', () => bob.binary.length > 0, 15_000);
      await bob.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'alice' } });
      await alice.getByRole('button', { name: 'Accept' }).waitFor();
      // From now on everything the node sends to Alice's cockpit goes at 256 kbit/s.
      proxy.rate = RATE;
      const downBefore = proxy.bytesDown;
      const joinedAt = Date.now();
      await alice.getByRole('button', { name: 'Accept' }).click();
      const canvas = alice.getByLabel('Remote screen');
      await waitFor('Alice\'s first picture', async () => !(await canvas.evaluate((c) => c.classList.contains('hidden'))), 90_000, 250);
      const firstPictureMs = Date.now() - joinedAt;

      // The agent steps down for her: first JPEG quality, then frame rate.
      await waitFor('the agent lowered its quality and rate', () => {
        const r = report(sessionId);
        return r.agent !== undefined && r.agent.quality < 80 && r.agent.maxFps < 20 && (r.step?.level ?? 0) >= 4;
      }, 60_000, 250);
      expect(desk.client.captureLoop!.settings.quality).toBeLessThan(80);
      const steppedDownMs = Date.now() - joinedAt;

      // The first full frame went at the top quality, before anything was measured: at 256 kbit/s it
      // takes seconds to arrive. Once it is through, the delay must stay bounded.
      const aliceConn = connOf('alice');
      const bobConn = connOf('bob');
      const aliceLink = (): SessionQualityReport['viewers'][number]['link'] => report(sessionId).viewers.find((v) => v.connId === aliceConn)!.link;
      await waitFor('the first frame\'s backlog drained', () => aliceLink().rttMs < 2000, 60_000, 250);
      const settledMs = Date.now() - joinedAt;
      console.log(`first picture ${firstPictureMs} ms, rung 4 or lower ${steppedDownMs} ms, backlog drained ${settledMs} ms after the join (throttled to 256 kbit/s at the join)`);

      // Settled: for 15 s, Alice keeps receiving frames with a bounded delay; Bob gets every frame.
      const samples: { rtt: number; fps: number; kbps: number; level: number; bobFps: number; agentFps: number; agentKbps: number }[] = [];
      const bobDroppedBefore = relay.viewerStats(bobConn)!.droppedFrames;
      const tilesBefore = relay.viewerStats(aliceConn)!.sentFrames;
      for (let i = 0; i < 15; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        const r = report(sessionId);
        const a = r.viewers.find((v) => v.connId === aliceConn)!;
        const b = r.viewers.find((v) => v.connId === bobConn)!;
        samples.push({ rtt: a.link.rttMs, fps: a.link.fps, kbps: a.link.bitsPerSecond / 1000, level: r.step!.level, bobFps: b.link.fps, agentFps: r.agent?.fps ?? 0, agentKbps: (r.agent?.bitsPerSecond ?? 0) / 1000 });
      }
      const mean = (xs: number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length;
      const figures = {
        level: Math.max(...samples.map((s) => s.level)), rttMaxMs: Math.max(...samples.map((s) => s.rtt)), rttMeanMs: Math.round(mean(samples.map((s) => s.rtt))),
        aliceFps: mean(samples.map((s) => s.fps)), aliceKbps: mean(samples.map((s) => s.kbps)), bobFps: mean(samples.map((s) => s.bobFps)), agentFps: mean(samples.map((s) => s.agentFps)),
        proxyKbps: ((proxy.bytesDown - downBefore) * 8) / 1000 / ((Date.now() - joinedAt) / 1000),
      };
      console.log(`quality at 256 kbit/s: ${JSON.stringify(figures)}\n${samples.map((s) => JSON.stringify(s)).join("\n")}`);
      // Down the ladder, never past its floor.
      expect(figures.level).toBeGreaterThanOrEqual(4);
      expect(figures.level).toBeLessThanOrEqual(FLOOR_LEVEL);
      // She keeps receiving: new tiles went to her, and she confirmed whole frames in most seconds.
      expect(relay.viewerStats(aliceConn)!.sentFrames).toBeGreaterThan(tilesBefore);
      expect(samples.filter((s) => s.fps > 0).length).toBeGreaterThanOrEqual(8);
      // Bounded delay: what reaches her is at most a few seconds old (the link holds a few frames at the floor).
      expect(figures.rttMaxMs).toBeLessThan(6000);
      expect(figures.rttMeanMs).toBeLessThan(2500);
      expect(figures.aliceKbps).toBeLessThanOrEqual(300);
      // Bob is not starved: no frame dropped for him, and he gets what the agent sends.
      expect(relay.viewerStats(bobConn)!.droppedFrames).toBe(bobDroppedBefore);
      expect(figures.bobFps).toBeGreaterThanOrEqual(figures.agentFps * 0.7);
      expect(figures.bobFps).toBeGreaterThanOrEqual(QUALITY_LADDER[FLOOR_LEVEL]!.maxFps * 0.7);

      // The indicator says so (hovered: the figures panel).
      const indicator = alice.getByTestId('quality');
      await waitFor('the indicator shows the degradation', async () => ['fair', 'poor'].includes((await indicator.getAttribute('data-grade')) ?? ''), 10_000, 200);
      expect(Number(await indicator.getAttribute('data-level'))).toBeGreaterThanOrEqual(4);
      await indicator.hover();
      await alice.locator('.quality .tip').waitFor();
      expect(await alice.locator('.quality .tip').textContent()).toMatch(/Round trip\d+ ms/);
      await alice.screenshot({ path: resolve(ARTIFACTS, 'quality-01-throttled-indicator.png') });

      // /metrics: the session on a lower rung, the slow viewer's RTT, without a session label.
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      const levelLine = metrics.split('\n').find((l) => /^tandem_media_quality_level\{level="([4-7])".*\} 1$/.test(l));
      expect(levelLine).toBeDefined();
      expect(metrics).toMatch(/^tandem_media_viewer_rtt_seconds\{stat="max".*\} \d/m);
      expect(metrics).toMatch(/^tandem_media_agent_capture_seconds\{stat="max",stage="encode".*\} \d/m);
      expect(metrics).not.toContain(sessionId);
      // What the viewers got: the slow one's delivered rate at the floor, its frames superseded while it was behind.
      const gauge = (re: RegExp): number => Number(re.exec(metrics)?.[1]);
      expect(gauge(/^tandem_media_viewer_delivered_fps\{stat="min".*\} ([\d.e+-]+)$/m)).toBeGreaterThan(0);
      expect(gauge(/^tandem_media_viewer_delivered_bits_per_second\{stat="min".*\} ([\d.e+-]+)$/m)).toBeLessThanOrEqual(300_000);
      expect(gauge(/^tandem_media_viewer_delivered_bits_per_second\{stat="median".*\} ([\d.e+-]+)$/m)).toBeGreaterThan(0);
      expect(gauge(/^tandem_media_viewer_skipped_frames\{reason="superseded".*\} (\d+)$/m)).toBeGreaterThan(0);

      // The admin session detail: the same figures, per viewer.
      const root = await t.login('root');
      const detail = (await (await fetch(`${t.url}/api/admin/sessions/${sessionId}`, { headers: { authorization: `Bearer ${root}` } })).json()) as { quality: SessionQualityReport };
      expect(detail.quality.step!.level).toBeGreaterThanOrEqual(4);
      expect(detail.quality.agent!.quality).toBeLessThan(80);
      expect(detail.quality.viewers.map((v) => v.memberId).sort()).toEqual(['alice', 'bob']);
      const admin = await ctx.newPage();
      await admin.goto(`${t.url}/admin`);
      await admin.getByLabel('Username').fill('root');
      await admin.getByLabel('Password').fill('root-pw');
      await admin.getByRole('button', { name: 'Sign in' }).click();
      await admin.getByRole('tab', { name: /Sessions/ }).click();
      await admin.locator(`tr[data-session="${sessionId}"]`).click();
      const adminQuality = admin.getByTestId('session-quality');
      await adminQuality.waitFor();
      expect(await adminQuality.textContent()).toMatch(/step [4-7] of 7/);
      expect(await admin.getByRole('list', { name: 'Viewers' }).locator('li').count()).toBe(2);
      expect(await admin.locator('[data-viewer="alice"]').textContent()).toMatch(/round trip \d+ ms · [\d.]+ frames\/s · \d+ kbit\/s/);
      await admin.screenshot({ path: resolve(ARTIFACTS, 'quality-03-admin-detail.png') });
      await admin.close();

      // Readable: the ticker stops; Alice's canvas ends on the text the display shows.
      await app.evaluate(() => (window as unknown as { stopTicker(): void }).stopTicker());
      await new Promise((r) => setTimeout(r, 300));
      const truthTiles = (await truthScreen.capture(0, { full: true, quality: 90, mode: 'lossless' })).tiles;
      const truthBgra = new Uint8Array(W * H * 4);
      for (const tile of truthTiles) {
        const px = tile.encoding === 1 ? decodeJpeg(tile.data).data : (() => {
          const out = decodeLossless(tile.data, tile.width, tile.height, (z) => inflateSync(z));
          if (!out.ok) throw new Error(out.message);
          return out.bgra;
        })();
        for (let y = 0; y < tile.height; y++) truthBgra.set(px.subarray(y * tile.width * 4, (y + 1) * tile.width * 4), ((tile.y + y) * W + tile.x) * 4);
      }
      const truth = luminance(truthBgra, W * H);
      let last = { text: { inkMismatch: 1, meanError: 255 }, log: { inkMismatch: 1, meanError: 255 } };
      await waitFor('Alice\'s picture of the text matches the display', async () => {
        const view = await canvasLuminance(alice);
        last = { text: compareText(view, truth, textBox), log: compareText(view, truth, logBox) };
        return [last.text, last.log].every((c) => c.inkMismatch < 0.02 && c.meanError < 12);
      }, 60_000, 1000).catch((e: Error) => { throw new Error(`${e.message}: ${JSON.stringify(last)}`); });
      console.log(`text at the throttled viewer vs the display: ${JSON.stringify(last)}`);
      await alice.mouse.move(5, 5);
      await alice.screenshot({ path: resolve(ARTIFACTS, 'quality-02-throttled-text.png') });

      // The link is fast again: the agent climbs back (one rung after every few clear seconds).
      proxy.rate = Infinity;
      const lowest = report(sessionId).step!.level;
      const fastAt = Date.now();
      // Three rungs: 3 s to 30 s each, depending on how many climbs failed on the slow link.
      await waitFor('the agent climbs back up the ladder', () => (report(sessionId).step?.level ?? 99) <= Math.max(0, lowest - 3), 100_000, 500);
      console.log(`from rung ${lowest} three rungs up in ${Date.now() - fastAt} ms`);
      await waitFor('the indicator follows', async () => (await indicator.getAttribute('data-grade')) === 'good' || Number(await indicator.getAttribute('data-level')) <= lowest - 3, 10_000, 200);
    } finally {
      desk.stop();
      x11.close();
      truthScreen.close();
      await bob.close();
      await ctx.close();
    }
  }, 240_000);
});

/** The luminance of the cockpit's screen canvas (monitor pixels). */
async function canvasLuminance(page: Page): Promise<Uint8Array> {
  const b64 = await page.getByLabel('Remote screen').evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const lum = new Uint8Array(c.width * c.height);
    for (let i = 0; i < lum.length; i++) lum[i] = Math.round(0.299 * d[i * 4]! + 0.587 * d[i * 4 + 1]! + 0.114 * d[i * 4 + 2]!);
    let s = '';
    for (let i = 0; i < lum.length; i += 0x8000) s += String.fromCharCode(...lum.subarray(i, i + 0x8000));
    return btoa(s);
  });
  const lum = new Uint8Array(Buffer.from(b64, 'base64'));
  if (lum.length !== W * H) throw new Error(`the canvas is ${lum.length} pixels, not ${W}×${H}`);
  return lum;
}
