import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { decodeLossless } from '../../src/native/lossless-codec';
import { X11Screen } from '../../src/native/x11';
import type { RunningNode } from '../../src/node/start-node';
import { SessionRecorder } from '../../src/recording/session-recorder';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { startDesktopAgent, type DesktopAgent } from '../support/desktop-agent';
import { startInProcessNode, type TestNode } from '../support/node';
import { person } from '../support/people';
import { waitFor } from '../support/wait';
import type { WsTestClient } from '../support/ws-client';
import { startXvfb, type TestDisplay } from '../support/xvfb';

const ARTIFACTS = resolve(PROJECT_ROOT, 'test', 'artifacts');
const W = 320;
const H = 240;

/** The whole display as RGBA, read through a full lossless capture (what the screen really shows). */
async function displayPixels(probe: X11Screen): Promise<Uint8Array> {
  const r = await probe.capture(0, { full: true, quality: 90, mode: 'lossless' });
  const out = new Uint8Array(W * H * 4);
  for (const t of r.tiles) {
    const d = decodeLossless(t.data, t.width, t.height, (z) => inflateSync(z));
    if (!d.ok) throw new Error(d.message);
    for (let y = 0; y < t.height; y++) {
      for (let x = 0; x < t.width; x++) {
        const i = (y * t.width + x) * 4;
        const o = ((t.y + y) * W + t.x + x) * 4;
        out[o] = d.bgra[i + 2]!;
        out[o + 1] = d.bgra[i + 1]!;
        out[o + 2] = d.bgra[i]!;
        out[o + 3] = 255;
      }
    }
  }
  return out;
}

/** Mean absolute difference per colour channel, and the share of pixels off by more than 48 in any channel. */
function compare(a: Uint8Array, b: Uint8Array): { mean: number; badShare: number } {
  let sum = 0;
  let bad = 0;
  for (let p = 0; p < a.length; p += 4) {
    let worst = 0;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(a[p + c]! - b[p + c]!);
      sum += d;
      worst = Math.max(worst, d);
    }
    if (worst > 48) bad++;
  }
  return { mean: sum / ((a.length / 4) * 3), badShare: bad / (a.length / 4) };
}

/** Mean absolute difference of luma (what a video keeps at full resolution; its colour is subsampled 2×2). */
function lumaDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let p = 0; p < a.length; p += 4) {
    sum += Math.abs(0.299 * (a[p]! - b[p]!) + 0.587 * (a[p + 1]! - b[p + 1]!) + 0.114 * (a[p + 2]! - b[p + 2]!));
  }
  return sum / (a.length / 4);
}

/** The frames the technician received so far stop coming: the agent has sent the screen as it is. */
async function quiet(alice: WsTestClient, since: number): Promise<void> {
  await waitFor('frames of the new screen', () => alice.binary.length > since, 10_000);
  let n = -1;
  await waitFor('the screen sent in full (no frame for 800 ms)', async () => {
    const was = n;
    n = alice.binary.length;
    return was === n;
  }, 15_000, 800);
}

/**
 * A recording of the real desktop agent on Xvfb (real X11 capture, its own JPEG/lossless choice), replayed
 * in the admin page's player in headless Chromium: the last frame equals the display's last pixels, and
 * jumping to the mode change in the middle shows the screen of that moment.
 */
describe('recording a real agent on Xvfb, replayed in the browser', () => {
  let t: TestNode & { node: RunningNode };
  let x: TestDisplay;
  let chromium: TestBrowser;
  let desk: DesktopAgent | undefined;

  beforeAll(async () => {
    execFileSync('bash', ['scripts/build-web.sh'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    mkdirSync(ARTIFACTS, { recursive: true });
    x = await startXvfb({ width: W, height: H });
    t = await startInProcessNode({ recording: { policy: { teams: ['helpdesk'] } } });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    desk?.stop();
    await chromium?.close();
    await t?.stop();
    await x?.stop();
  });

  async function canvasPixels(page: Page): Promise<Uint8Array> {
    const got = await page.evaluate(() => {
      const canvas = document.querySelector('canvas[data-testid="player-canvas"]') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let bin = '';
      for (let i = 0; i < data.length; i += 8192) bin += String.fromCharCode(...data.subarray(i, i + 8192));
      return { w: canvas.width, h: canvas.height, data: btoa(bin) };
    });
    expect([got.w, got.h]).toEqual([W, H]);
    return new Uint8Array(Buffer.from(got.data, 'base64'));
  }

  it('the player ends on the display\'s final screen; the jump to "mode to Interact" shows the screen before it changed; the video export shows both in order', async () => {
    const probe = new X11Screen(x.display);
    // Screen A: a plaid of two colours (edges, so a misplaced or scaled tile shows).
    await x.x('xsetroot', ['-mod', '16', '16', '-fg', '#d04020', '-bg', '#20a060']);
    const screenA = await displayPixels(probe);
    desk = await startDesktopAgent(t, 'desk-rec-real', { screen: probe });
    const alice = await person(t, 'alice');
    try {
      await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.find((a: { agentId: string }) => a.agentId === desk!.agentId));
      const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
      await desk.waitForQuestion(/asks to view your screen/);
      desk.type('y');
      // alice's team records by policy, from the start.
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.status === 'active' && s.recording === true);

      let since = alice.binary.length;
      desk.type('observe');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.mode === 'observe');
      await quiet(alice, since);

      // The control event in the middle, then screen B: other colours, another grid.
      desk.type('interact');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.mode === 'interact');
      await new Promise((r) => setTimeout(r, 300));
      since = alice.binary.length;
      await x.x('xsetroot', ['-mod', '5', '9', '-fg', '#1030c0', '-bg', '#f0e040']);
      await quiet(alice, since);
      const screenB = await displayPixels(probe);
      expect(compare(screenA, screenB).mean).toBeGreaterThan(60);

      await alice.ask('session.end', { sessionId });
      await alice.next('session.ended');
      await t.node.app.get(SessionRecorder).flush(sessionId);

      const page = await (await chromium.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(`${t.url}/admin`);
      await page.getByLabel('Username').fill('root');
      await page.getByLabel('Password').fill('root-pw');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('tab', { name: /Recordings/ }).click();
      const row = page.locator(`tr[data-recording="${sessionId}"]`);
      await row.waitFor();
      await row.getByRole('button', { name: 'Play' }).click();
      const player = page.getByTestId('player');
      await player.waitFor();
      await player.getByRole('button', { name: '4×' }).click();
      await player.getByRole('button', { name: 'Play' }).click();
      await page.waitForFunction(() => document.querySelector('[data-testid="player"]')?.getAttribute('data-state') === 'ended', undefined, { timeout: 30_000 });
      await page.screenshot({ path: resolve(ARTIFACTS, 'recording-real-agent-01-final.png') });
      const end = compare(await canvasPixels(page), screenB);
      process.stdout.write(`recording-real-agent: final frame vs display: mean |Δ| ${end.mean.toFixed(2)}, ${(end.badShare * 100).toFixed(2)} % pixels off by > 48\n`);
      expect(end.mean).toBeLessThan(6);
      expect(end.badShare).toBeLessThan(0.02);

      const interact = player.locator('li[data-type="ModeChanged"]', { hasText: /mode to Interact/ });
      expect(await interact.count()).toBe(1);
      await interact.click();
      await page.waitForFunction(() => document.querySelector('[data-testid="player"]')?.getAttribute('data-state') === 'paused');
      expect(await interact.getAttribute('aria-current')).toBe('true');
      await page.screenshot({ path: resolve(ARTIFACTS, 'recording-real-agent-02-jump-to-interact.png') });
      const atJump = await canvasPixels(page);
      const jump = compare(atJump, screenA);
      process.stdout.write(`recording-real-agent: frame at the jump vs screen A: mean |Δ| ${jump.mean.toFixed(2)}, ${(jump.badShare * 100).toFixed(2)} % off\n`);
      expect(jump.mean).toBeLessThan(6);
      expect(jump.badShare).toBeLessThan(0.02);
      expect(compare(atJump, screenB).mean).toBeGreaterThan(60);

      // Export as a video: asked as an export (reason, audit with the format), rendered in the browser to WebM.
      await player.getByRole('button', { name: 'Export video' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel(/Reason or ticket/).fill('QA-12 video for training');
      const download = page.waitForEvent('download', { timeout: 60_000 });
      await dialog.getByRole('button', { name: 'Download' }).click();
      const file = await download;
      expect(file.suggestedFilename()).toBe(`tandem-${sessionId}.webm`);
      await page.getByTestId('player-export-status').filter({ hasText: /^Video saved/ }).waitFor();
      await page.screenshot({ path: resolve(ARTIFACTS, 'recording-real-agent-03-video-saved.png') });
      const saved = resolve(ARTIFACTS, 'recording-real-agent.webm');
      await file.saveAs(saved);
      const webm = readFileSync(saved);
      expect(webm.subarray(0, 4).toString('hex')).toBe('1a45dfa3'); // EBML: a Matroska/WebM file
      const audit = await (await fetch(`${t.url}/api/admin/audit?type=RecordingExported&to=9999999999999`, { headers: { authorization: `Bearer ${await t.login('root')}` } })).text();
      expect(audit.trim().split('\n').map((l) => (JSON.parse(l) as { details: unknown }).details)).toContainEqual({ purpose: 'export', format: 'webm', reason: 'QA-12 video for training' });

      // The video, decoded by the browser's own <video>: its frames show screen A, then screen B, and end on B
      // (compared on luma: a video keeps colour at half resolution, which blurs this 1-pixel grid's hue).
      const frames = await page.evaluate(async (b64) => {
        const video = document.createElement('video');
        video.muted = true;
        video.src = URL.createObjectURL(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'video/webm' }));
        await new Promise((ok, fail) => { video.onloadeddata = ok; video.onerror = () => fail(new Error(`the video does not load: ${video.error?.message}`)); });
        const canvas = document.createElement('canvas');
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        const ctx = canvas.getContext('2d')!;
        const out: Array<{ at: number; w: number; h: number; data: string }> = [];
        // The duration of a WebM written in one go is known once played through: step in 0.2 s until the end.
        for (let at = 0; at < 600; at += 0.2) {
          video.currentTime = at;
          await new Promise((ok) => { video.onseeked = ok; });
          ctx.drawImage(video, 0, 0);
          const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          let bin = '';
          for (let i = 0; i < data.length; i += 8192) bin += String.fromCharCode(...data.subarray(i, i + 8192));
          out.push({ at: video.currentTime, w: canvas.width, h: canvas.height, data: btoa(bin) });
          if (video.currentTime < at - 0.1 || video.ended) break;
        }
        return out;
      }, webm.toString('base64'));
      expect(frames.length).toBeGreaterThan(5);
      expect([frames[0]!.w, frames[0]!.h]).toEqual([W, H]);
      const vsA = frames.map((f) => lumaDiff(new Uint8Array(Buffer.from(f.data, 'base64')), screenA));
      const vsB = frames.map((f) => lumaDiff(new Uint8Array(Buffer.from(f.data, 'base64')), screenB));
      const firstB = vsB.findIndex((m) => m < 8);
      const lastA = vsA.reduce((last, m, i) => (m < 8 ? i : last), -1);
      process.stdout.write(`recording-real-agent: video ${webm.length} bytes, ${frames.length} frames seen; luma mean |Δ| best vs screen A ${Math.min(...vsA).toFixed(2)}, last vs screen B ${vsB[vsB.length - 1]!.toFixed(2)}\n`);
      expect(lastA).toBeGreaterThanOrEqual(0);
      expect(firstB).toBeGreaterThan(lastA);
      expect(vsB[vsB.length - 1]).toBeLessThan(8);
    } finally {
      await alice.close();
    }
  });
});
