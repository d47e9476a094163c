import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { colourOf } from '../../src/agent/overlay';
import type { CaptureResult, InputInjector, ScreenSource } from '../../src/agent/screen-source';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { decodeFrame, FrameType, type MediaFrame } from '../../src/media/frame-codec';
import { decodeJpeg } from '../../src/native';
import { decodeLossless } from '../../src/native/lossless-codec';
import { X11Clipboard, X11Screen } from '../../src/native/x11';
import { launchChromium } from '../support/chromium';
import { startDesktopAgent } from '../support/desktop-agent';
import { startInProcessNode, type TestNode } from '../support/node';
import { person } from '../support/people';
import { startProcess, type TrackedProcess } from '../support/processes';
import { waitFor } from '../support/wait';
import type { WsTestClient } from '../support/ws-client';
import { startXvfb, type TestDisplay } from '../support/xvfb';

const W = 1280;
const H = 720;

function frames(client: WsTestClient, sessionId: string, from = 0): MediaFrame[] {
  return client.binary.slice(from).map((b) => decodeFrame(b)).filter((p) => p.ok).map((p) => (p as { frame: MediaFrame }).frame).filter((f) => f.sessionId === sessionId);
}

function firstPixel(f: MediaFrame): number[] {
  const px = f.encoding === 1 ? decodeJpeg(f.payload).data : (() => {
    const out = decodeLossless(f.payload, f.width, f.height, (z) => inflateSync(z));
    if (!out.ok) throw new Error(out.message);
    return out.bgra;
  })();
  return [px[0]!, px[1]!, px[2]!];
}

/** One pixel of the display as [r, g, b], read through a full lossless capture. */
async function pixelAt(probe: X11Screen, px: number, py: number): Promise<number[]> {
  const r = await probe.capture(0, { full: true, quality: 90, mode: 'lossless' });
  const t = r.tiles.find((k) => k.x <= px && px < k.x + k.width && k.y <= py && py < k.y + k.height)!;
  const out = decodeLossless(t.data, t.width, t.height, (z) => inflateSync(z));
  if (!out.ok) throw new Error(out.message);
  const i = ((py - t.y) * t.width + (px - t.x)) * 4;
  return [out.bgra[i + 2]!, out.bgra[i + 1]!, out.bgra[i]!];
}

const rgbOf = (c: number): number[] => [(c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff];

async function pointer(x: TestDisplay): Promise<string> {
  return (await x.x('xdotool', ['getmouselocation'])).trim();
}

/**
 * The desktop agent on a real X display: its AgentClient with the real X11 screen (wrapped only to
 * count captures and injections), the real terminal prompt fed through a pipe, and a technician on
 * a real node. Then the `tandem-agent` CLI as its own process.
 */
describe('desktop agent on Xvfb', () => {
  let t: TestNode;
  let x: TestDisplay;
  const tmp = mkdtempSync(join(tmpdir(), 'tandem-agent-'));

  beforeAll(async () => {
    x = await startXvfb({ width: W, height: H });
    await x.x('xsetroot', ['-solid', '#3366cc']);
    t = await startInProcessNode();
  });

  afterAll(async () => {
    await t?.stop();
    await x?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('captures nothing in hold, streams the real screen in observe and ignores input, injects only in interact', async () => {
    const x11 = new X11Screen(x.display);
    const counts = { captures: 0, injected: 0 };
    const screen: ScreenSource = {
      monitors: () => x11.monitors(),
      capture: async (m, o): Promise<CaptureResult> => { counts.captures++; return x11.capture(m, o); },
      close: () => x11.close(),
    };
    const injector: InputInjector = {
      move: (m, px, py) => { counts.injected++; x11.move(m, px, py); },
      button: (b, d) => { counts.injected++; x11.button(b, d); },
      wheel: (dx, dy) => { counts.injected++; x11.wheel(dx, dy); },
      key: (k, d) => { counts.injected++; x11.key(k, d); },
      text: (s) => { counts.injected++; x11.text(s); },
    };
    const desk = await startDesktopAgent(t, 'desk-x11', { screen, injector, overlay: { overlay: (m, p, st) => x11.overlay(m, p, st) } });
    const { agentId, client } = desk;
    const alice = await person(t, 'alice');
    try {
      const agents = await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.find((a: { agentId: string }) => a.agentId === agentId));
      expect(agents.displays).toEqual([expect.objectContaining({ index: 0, width: W, height: H })]);

      const { sessionId } = await alice.ask('assist.request', { agentId });
      await desk.waitForQuestion(/Alice Tech.* asks to view your screen/);
      desk.type('y');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.status === 'active' && s.mode === 'hold');
      await new Promise((r) => setTimeout(r, 700));
      expect(counts.captures).toBe(0);
      expect(frames(alice, sessionId)).toEqual([]);

      // Observe: the real pixels arrive; input is refused by the server and by the agent's own check.
      desk.type('observe');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.mode === 'observe');
      const info = await waitFor('a screen info frame', () => frames(alice, sessionId).find((f) => f.type === FrameType.ScreenInfo));
      expect(info).toMatchObject({ width: W, height: H, monitor: 0 });
      const tile = await waitFor('a tile', () => frames(alice, sessionId).find((f) => f.type === FrameType.Tile));
      expect(firstPixel(tile)).toEqual([0xcc, 0x66, 0x33]);
      const before = await pointer(x);
      await expect(alice.ask('input', { sessionId, kind: 'move', monitor: 0, x: 0.5, y: 0.5 })).rejects.toMatchObject({ code: 'MODE_FORBIDS_INPUT' });
      await new Promise((r) => setTimeout(r, 200));
      expect(await pointer(x)).toBe(before);
      expect(counts.injected).toBe(0);

      // A change on the display reaches the technician as the changed tiles only.
      const mark = alice.binary.length;
      await x.x('xsetroot', ['-solid', '#22aa44']);
      const green = await waitFor('green tiles', () => frames(alice, sessionId, mark).find((f) => f.type === FrameType.Tile && firstPixel(f)[1] === 0xaa));
      expect(firstPixel(green)).toEqual([0x44, 0xaa, 0x22]);

      // Interact: the technician's input moves the real pointer (0..1 positions → monitor pixels).
      desk.type('interact');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.mode === 'interact');
      await alice.ask('input', { sessionId, kind: 'move', monitor: 0, x: 0.25, y: 0.5 });
      await waitFor('the pointer to move', async () => (await pointer(x)).startsWith(`x:${Math.round(0.25 * (W - 1))} y:${Math.round(0.5 * (H - 1))} `), 5000, 20);
      await alice.ask('input', { sessionId, kind: 'button', monitor: 0, x: 1, y: 1, button: 1, down: true });
      await alice.ask('input', { sessionId, kind: 'button', monitor: 0, x: 1, y: 1, button: 1, down: false });
      await waitFor('the click position', async () => (await pointer(x)).startsWith(`x:${W - 1} y:${H - 1} `), 5000, 20);
      expect(client.stats.inputsInjected).toBe(3);

      // The technician's pointer and pen stroke are drawn on the customer's real screen.
      const probe = new X11Screen(x.display);
      try {
        await alice.ask('pointer', { sessionId, monitor: 0, x: 0.5, y: 0.5, visible: true });
        const tip = { x: Math.round(0.5 * (W - 1)), y: Math.round(0.5 * (H - 1)) };
        await waitFor('the pointer on the display', async () => (await pixelAt(probe, tip.x + 2, tip.y + 10)).join() === rgbOf(colourOf('alice')).join(), 5000, 50);
        await alice.ask('annotation', { sessionId, monitor: 0, kind: 'pen', points: [0.1, 0.2, 0.3, 0.2] });
        const mid = { x: Math.round(0.2 * (W - 1)), y: Math.round(0.2 * (H - 1)) };
        await waitFor('the pen stroke on the display', async () => (await pixelAt(probe, mid.x, mid.y)).join() === rgbOf(colourOf('alice')).join(), 5000, 50);
        await alice.ask('annotation', { sessionId, monitor: 0, kind: 'clear', points: [] });
        await waitFor('the stroke cleared', async () => (await pixelAt(probe, mid.x, mid.y)).join() === '34,170,68', 5000, 50);
        expect(client.overlay!.draws).toBeGreaterThanOrEqual(3);
      } finally {
        probe.close();
      }

      // Hold again: no capture and no frame from then on (and the pointer is gone from the screen).
      desk.type('hold');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.mode === 'hold');
      await new Promise((r) => setTimeout(r, 150)); // a capture already running may finish
      const captures = counts.captures;
      const seen = alice.binary.length;
      await x.x('xsetroot', ['-solid', '#aa2266']);
      await new Promise((r) => setTimeout(r, 700));
      expect(counts.captures).toBe(captures);
      expect(alice.binary.length).toBe(seen);

      desk.type('close');
      expect(await alice.next('session.ended', (e) => e.sessionId === sessionId)).toMatchObject({ sessionId });
    } finally {
      desk.stop();
      await alice.close();
    }
  });

  it('runs as the tandem-agent CLI: enrolls with a 0600 config, says hello with its XRandR monitors, asks the customer, streams, stops on SIGTERM', async () => {
    const config = join(tmp, 'agent.json');
    const cli = resolve(PROJECT_ROOT, 'dist', 'agent', 'cli.js');
    const agentProc: TrackedProcess = startProcess('tandem-agent', process.execPath, [
      cli, 'run', '--server', t.url, '--secret', 'test-enroll-secret', '--config', config, '--display', x.display, '--name', 'desk-cli', '--fps', '10',
    ], { stdio: ['pipe', 'pipe', 'pipe'] });
    const alice = await person(t, 'alice');
    try {
      await waitFor('the node to acknowledge the agent (its PIN is said after the hello ack)', () => agentProc.output().includes('online; Assist PIN'), 15000);
      expect(statSync(config).mode & 0o777).toBe(0o600);
      const row = await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.find((a: { hostname: string }) => a.hostname === 'desk-cli'));
      expect(row.displays).toEqual([expect.objectContaining({ width: W, height: H })]);

      const { sessionId } = await alice.ask('assist.request', { agentId: row.agentId });
      await waitFor('the consent question', () => agentProc.output().includes('asks to view your screen'));
      agentProc.child.stdin!.write('y\nobserve\n');
      const tile = await waitFor('a tile from the CLI agent', () => frames(alice, sessionId).find((f) => f.type === FrameType.Tile), 10000).catch((e: Error) => { throw new Error(`${e.message}; the agent said: ${agentProc.output()}`); });
      expect(tile.width).toBeGreaterThan(0);

      agentProc.child.kill('SIGTERM');
      await waitFor('the agent to exit', () => agentProc.child.exitCode !== null, 5000);
      expect(agentProc.child.exitCode).toBe(0);
    } finally {
      await agentProc.stop();
      await alice.close();
    }
  });

  it('shows the real desktop in the cockpit, and the technician\'s clicks and keys reach an application on it', async () => {
    const artifacts = resolve(PROJECT_ROOT, 'test', 'artifacts');
    mkdirSync(artifacts, { recursive: true });
    // The customer's desktop: a headed Chromium on the Xvfb with a small form.
    const desktop = await launchChromium({ display: x.display, windowSize: { width: W, height: H } });
    const tech = await launchChromium();
    const cli = resolve(PROJECT_ROOT, 'dist', 'agent', 'cli.js');
    const agentProc = startProcess('tandem-agent', process.execPath, [
      cli, 'run', '--server', t.url, '--secret', 'test-enroll-secret', '--config', join(tmp, 'screen.json'), '--display', x.display, '--name', 'desk-screen', '--fps', '15',
    ], { stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      const app = await (await desktop.browser.newContext({ viewport: null })).newPage();
      await app.setContent(`<!doctype html><title>Printer settings</title>
        <body style="margin:0;font:16px DejaVu Sans,sans-serif;background:linear-gradient(135deg,#1d4e89,#2a7f62);height:100vh;color:#fff">
        <div style="position:absolute;left:120px;top:90px;width:520px;padding:24px;background:#f4f6fa;color:#1b2130;border-radius:10px;box-shadow:0 10px 30px #0006">
          <h2 style="margin:0 0 12px">Printer settings</h2>
          <label>Printer name <input id="name" style="width:300px;font-size:16px"></label>
          <p><button id="save" style="font-size:16px;padding:6px 18px;background:#d9363e;color:#fff;border:0;border-radius:6px">Save</button> <span id="status">not saved</span></p>
        </div>
        <script>document.getElementById('save').onclick = () => { document.getElementById('status').textContent = 'saved: ' + document.getElementById('name').value; };</script>`);
      await waitFor('the node to acknowledge the agent (its PIN is said after the hello ack)', () => agentProc.output().includes('online; Assist PIN'), 15000);

      const page = await (await tech.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      page.setDefaultTimeout(10000);
      await page.goto(`${t.url}/`);
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('alice-pw');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('[data-agent="desk-screen"]').click();
      await page.getByRole('button', { name: 'Assist desk-screen' }).click();
      await waitFor('the consent question', () => agentProc.output().includes('asks to view your screen'));
      agentProc.child.stdin!.write('y\ninteract\n');
      await page.locator('[data-testid="mode"]', { hasText: 'Interact' }).waitFor();
      const canvas = page.getByLabel('Remote screen');
      await canvas.waitFor({ state: 'visible' });

      // Where a desktop element is on the technician's canvas.
      const box = async (selector: string): Promise<{ x: number; y: number }> => {
        const b = (await app.locator(selector).boundingBox())!;
        const offset = await app.evaluate(() => ({ x: window.screenX + (window.outerWidth - window.innerWidth), y: window.screenY + (window.outerHeight - window.innerHeight) }));
        const sx = offset.x + b.x + b.width / 2;
        const sy = offset.y + b.y + b.height / 2;
        return canvas.evaluate((c: HTMLCanvasElement, p) => {
          const r = c.getBoundingClientRect();
          const scale = Math.min(r.width / c.width, r.height / c.height);
          return { x: r.left + (r.width - c.width * scale) / 2 + p.sx * scale, y: r.top + (r.height - c.height * scale) / 2 + p.sy * scale };
        }, { sx, sy });
      };
      // The desktop's pixels are on the canvas: the red Save button is red there.
      const save = await box('#save');
      await waitFor('the red button on the canvas', () => canvas.evaluate((c: HTMLCanvasElement, p) => {
        const r = c.getBoundingClientRect();
        const scale = Math.min(r.width / c.width, r.height / c.height);
        const cx = Math.round((p.x - r.left - (r.width - c.width * scale) / 2) / scale);
        const cy = Math.round((p.y - r.top - (r.height - c.height * scale) / 2) / scale);
        const d = c.getContext('2d')!.getImageData(cx, cy, 1, 1).data;
        return d[0]! > 180 && d[1]! < 90 && d[2]! < 90;
      }, save), 10000, 100);

      const name = await box('#name');
      await page.mouse.click(name.x, name.y);
      await waitFor('the input focus on the desktop', () => app.evaluate(() => document.activeElement?.id === 'name'), 5000, 50);
      await page.keyboard.type('Floor 2 Laser');
      await waitFor('the typed name', async () => (await app.inputValue('#name')) === 'Floor 2 Laser', 5000, 50).catch(async (e: Error) => { throw new Error(`${e.message}: '${await app.inputValue('#name')}' ${agentProc.output().slice(-1500)}`); });
      await page.mouse.click(save.x, save.y);
      await waitFor('the saved status', async () => (await app.textContent('#status')) === 'saved: Floor 2 Laser', 5000, 50);
      // The canvas shows the result once the agent sent the changed tiles.
      await new Promise((r) => setTimeout(r, 800));
      await page.screenshot({ path: resolve(artifacts, 'agent-01-cockpit-real-desktop.png') });

      // The clipboard both ways: the technician's text lands in the desktop's clipboard, and what an
      // application copies there shows up in the cockpit (another X client plays that application).
      const appSaw: string[] = [];
      const appImages: Buffer[] = [];
      const appClip = new X11Clipboard(x.display, 512 * 1024, (c) => { if (c.mime === 'text/plain') appSaw.push(c.text); else appImages.push(c.data); });
      try {
        await page.getByRole('button', { name: 'Clipboard' }).click();
        await page.getByLabel('Text').fill('\\\\print01\\floor2-laser');
        await page.getByRole('button', { name: 'Send to the customer' }).click();
        await waitFor('the desktop clipboard', () => appSaw.includes('\\\\print01\\floor2-laser'), 5000, 50);
        appClip.set('Spooler error 0x0000011b');
        const dialog = page.getByRole('dialog', { name: 'Clipboard' });
        await dialog.waitFor();
        expect(await dialog.getByLabel('Text').inputValue()).toBe('Spooler error 0x0000011b');
        await page.screenshot({ path: resolve(artifacts, 'agent-02-cockpit-clipboard-from-customer.png') });
        await dialog.getByRole('button', { name: 'Close' }).click();

        // Images: the technician picks a PNG file (the browser encoded it) and the application on the
        // desktop gets those exact bytes; what the application copies shows in the cockpit as an image.
        const drawn = Buffer.from(await page.evaluate(() => {
          const c = document.createElement('canvas');
          c.width = 160; c.height = 90;
          const g = c.getContext('2d')!;
          g.fillStyle = '#1e7d32'; g.fillRect(0, 0, 160, 90);
          g.fillStyle = '#fff'; g.font = 'bold 28px sans-serif'; g.fillText('ERR 11b', 12, 56);
          return c.toDataURL('image/png').split(',')[1]!;
        }), 'base64');
        await page.getByRole('button', { name: 'Clipboard' }).click();
        const send = page.getByRole('dialog', { name: 'Clipboard' });
        await send.getByLabel('or an image (PNG)').setInputFiles({ name: 'error.png', mimeType: 'image/png', buffer: drawn });
        await send.locator('img.clip-image').waitFor();
        await send.getByRole('button', { name: 'Send to the customer' }).click();
        await waitFor('the desktop clipboard image', () => appImages.some((b) => b.equals(drawn)), 5000, 50);
        appClip.set({ mime: 'image/png', data: drawn });
        const shown = page.getByRole('dialog', { name: 'Clipboard' });
        await shown.getByRole('heading', { name: 'The customer copied an image' }).waitFor();
        await waitFor('the image to decode', async () => (await shown.locator('img.clip-image').evaluate((i) => (i as HTMLImageElement).naturalWidth)) === 160, 5000, 50);
        await page.screenshot({ path: resolve(artifacts, 'agent-03-cockpit-clipboard-image.png') });
        await shown.getByRole('button', { name: 'Close' }).click();
        await page.getByText(/copied an image \(/).first().waitFor();
      } finally {
        appClip.stop();
      }
    } finally {
      await agentProc.stop();
      await tech.close();
      await desktop.close();
    }
  });

  it('rejoins an allowed session after an agent restart within the grace period in the same mode (interact: input works) without asking again; past it, asks again', async () => {
    const node = await startInProcessNode({ ws: { agentGraceMs: 2500 } });
    const cli = resolve(PROJECT_ROOT, 'dist', 'agent', 'cli.js');
    const config = join(tmp, 'restart.json');
    const run = (): TrackedProcess => startProcess('tandem-agent', process.execPath, [
      cli, 'run', '--server', node.url, '--secret', 'test-enroll-secret', '--config', config, '--display', x.display, '--name', 'desk-restart', '--fps', '10',
    ], { stdio: ['pipe', 'pipe', 'pipe'] });
    let first = run();
    const alice = await person(node, 'alice');
    try {
      await waitFor('the node to acknowledge the agent (its PIN is said after the hello ack)', () => first.output().includes('online; Assist PIN'), 15000);
      const row = await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.find((a: { hostname: string }) => a.hostname === 'desk-restart'));
      const { sessionId } = await alice.ask('assist.request', { agentId: row.agentId });
      await waitFor('the consent question', () => first.output().includes('asks to view your screen'));
      first.child.stdin!.write('y\ninteract\n');
      await waitFor('a tile', () => frames(alice, sessionId).some((f) => f.type === FrameType.Tile), 10000);

      first.child.kill('SIGKILL');
      await first.stop();
      const away = await alice.next('session.state', (st) => st.sessionId === sessionId && st.customer?.online === false);
      const mark = alice.binary.length;
      const second = run();
      first = second;
      await waitFor('tiles again after the restart', () => frames(alice, sessionId, mark).some((f) => f.type === FrameType.Tile), 15000);
      expect(second.output()).toContain(`rejoining session ${sessionId}`);
      expect(second.output()).not.toContain('asks to view your screen');
      expect(await alice.next('session.state', (st) => st.sessionId === sessionId && st.seq > away.seq && st.customer?.online === true)).toMatchObject({ status: 'active', mode: 'interact' });
      // In the same mode: the technician's input reaches the desktop again, nobody was asked.
      await waitFor('input injected after the restart', async () => {
        await alice.ask('input', { sessionId, kind: 'move', monitor: 0, x: 0.75, y: 0.25 });
        return (await pointer(x)).startsWith(`x:${Math.round(0.75 * (W - 1))} y:${Math.round(0.25 * (H - 1))} `);
      }, 5000, 100);

      // Killed again and back too late: the session ended, and a new one asks the customer again.
      second.child.kill('SIGKILL');
      await second.stop();
      expect(await alice.next('session.ended', (e) => e.sessionId === sessionId, 8000)).toMatchObject({ reason: 'customer-lost' });
      const third = run();
      first = third;
      await waitFor('the node to acknowledge the agent (its PIN is said after the hello ack)', () => third.output().includes('online; Assist PIN'), 15000);
      const again = await alice.ask('assist.request', { agentId: row.agentId });
      expect(again.sessionId).not.toBe(sessionId);
      await waitFor('the consent question again', () => third.output().includes('asks to view your screen'), 10000);
    } finally {
      await first.stop();
      await alice.close();
      await node.stop();
    }
  });

  it('explains what is wrong when the CLI is misused', async () => {
    const cli = resolve(PROJECT_ROOT, 'dist', 'agent', 'cli.js');
    const run = async (args: string[]): Promise<{ code: number | null; out: string }> => {
      const p = startProcess('tandem-agent', process.execPath, [cli, ...args]);
      await waitFor('exit', () => p.child.exitCode !== null, 10000);
      return { code: p.child.exitCode, out: p.output() };
    };
    expect(await run(['run', '--config', join(tmp, 'missing.json')])).toMatchObject({ code: 2, out: expect.stringContaining('not enrolled') });
    expect(await run(['enroll', '--server', t.url])).toMatchObject({ code: 2, out: expect.stringContaining('exactly one of --secret or --code') });
    expect(await run(['enroll', '--server', t.url, '--secret', 'wrong', '--config', join(tmp, 'x.json')])).toMatchObject({ code: 1, out: expect.stringContaining('ENROLLMENT_REFUSED') });
    expect(await run(['monitors', '--display', ':4242'])).toMatchObject({ code: 1, out: expect.stringContaining('DISPLAY_UNAVAILABLE') });
    expect(await run(['bogus'])).toMatchObject({ code: 2, out: expect.stringContaining('unknown command') });
  });
});
