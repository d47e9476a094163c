import { inflateSync } from 'node:zlib';
import { decodeFrame, FrameType, type MediaFrame } from '../../src/media/frame-codec';
import { decodeJpeg } from '../../src/native';
import { decodeLossless } from '../../src/native/lossless-codec';
import { X11Screen, type ScreenTile } from '../../src/native/x11';
import { startDesktopAgent } from '../support/desktop-agent';
import { startInProcessNode, type TestNode } from '../support/node';
import { person } from '../support/people';
import { startProcess, type TrackedProcess } from '../support/processes';
import { waitFor } from '../support/wait';
import { startXvfb, type TestDisplay } from '../support/xvfb';

const W = 2560;
const H = 720;
const RED = 0xd03030;
const GREEN = 0x30a050;

function rgbAt0(payload: Uint8Array, encoding: number, w: number, h: number): number {
  const px = encoding === 1 ? decodeJpeg(payload).data : (() => {
    const out = decodeLossless(payload, w, h, (z) => inflateSync(z));
    if (!out.ok) throw new Error(out.message);
    return out.bgra;
  })();
  return (px[2]! << 16) | (px[1]! << 8) | px[0]!;
}
const tileRgb = (t: ScreenTile): number => rgbAt0(t.data, t.encoding, t.width, t.height);

/** Two XRandR monitors side by side on one Xvfb screen (how a laptop with a second display looks). */
describe('several monitors', () => {
  let x: TestDisplay;
  let t: TestNode;

  beforeAll(async () => {
    x = await startXvfb({ width: W, height: H });
    await x.x('xrandr', ['--setmonitor', 'left', '1280/338x720/190+0+0', 'screen']);
    await x.x('xrandr', ['--setmonitor', 'right', '1280/338x720/190+1280+0', 'none']);
    t = await startInProcessNode();
  });

  afterAll(async () => {
    await t?.stop();
    await x?.stop();
  });

  it('captures each monitor on its own, keeps each one\'s reference frame, and maps the pointer per monitor', async () => {
    const s = new X11Screen(x.display);
    try {
      expect(s.monitors().map((m) => [m.name, m.x, m.width])).toEqual([['left', 0, 1280], ['right', 1280, 1280]]);
      s.paint(0, 0, 1280, H, RED);
      s.paint(1280, 0, 1280, H, GREEN);
      const left = await s.capture(0, { full: true, quality: 90 });
      const right = await s.capture(1, { full: true, quality: 90 });
      expect(left).toMatchObject({ width: 1280, height: H });
      expect(tileRgb(left.tiles[0]!)).toBe(RED);
      expect(tileRgb(right.tiles[0]!)).toBe(GREEN);
      // Alternating between monitors does not make either start over.
      expect((await s.capture(0, { full: false, quality: 90 })).tiles).toEqual([]);
      expect((await s.capture(1, { full: false, quality: 90 })).tiles).toEqual([]);
      s.paint(1280 + 300, 100, 50, 50, RED);
      expect((await s.capture(0, { full: false, quality: 90 })).tiles).toEqual([]);
      const changed = await s.capture(1, { full: false, quality: 90 });
      expect(changed.tiles.map((k) => [k.x, k.y])).toEqual([[256, 64], [256, 128]]);
      s.move(1, 10, 20);
      expect(s.pointer()).toEqual({ x: 1290, y: 20 });
    } finally {
      s.close();
    }
  });

  it('streams both monitors to the technician (or only the one a connection shows), lands input on the monitor asked, and announces a monitor plugged in', async () => {
    let xev: TrackedProcess | undefined;
    const x11 = new X11Screen(x.display);
    const desk = await startDesktopAgent(t, 'desk-two', { screen: { monitors: () => x11.monitors(), capture: (m, o) => x11.capture(m, o), close: () => x11.close() }, injector: x11 });
    const { agentId } = desk;
    const alice = await person(t, 'alice');
    try {
      const row = await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.find((a: { agentId: string }) => a.agentId === agentId));
      expect(row.displays.map((d: { name: string; x: number }) => [d.name, d.x])).toEqual([['left', 0], ['right', 1280]]);
      const { sessionId } = await alice.ask('assist.request', { agentId });
      await desk.waitForQuestion('asks to view your screen');
      desk.type('y', 'interact');
      await alice.next('session.state', (st) => st.sessionId === sessionId && st.mode === 'interact');
      const frames = (): MediaFrame[] => alice.binary.map((b) => decodeFrame(b)).filter((p) => p.ok).map((p) => (p as { frame: MediaFrame }).frame);
      const tileOf = (m: number): MediaFrame | undefined => frames().find((f) => f.type === FrameType.Tile && f.monitor === m);
      await waitFor('tiles of both monitors', () => tileOf(0) && tileOf(1));
      expect(rgbAt0(tileOf(0)!.payload, tileOf(0)!.encoding, tileOf(0)!.width, tileOf(0)!.height)).toBe(RED);
      const m1 = frames().find((f) => f.type === FrameType.Tile && f.monitor === 1 && f.x === 0 && f.y === 0)!;
      expect(rgbAt0(m1.payload, m1.encoding, m1.width, m1.height)).toBe(GREEN);
      expect(frames().find((f) => f.type === FrameType.ScreenInfo && f.monitor === 1)).toMatchObject({ width: 1280, height: H });

      // Showing monitor 2 only: the relay sends this connection its frames and none of monitor 1.
      expect(await alice.ask('media.monitors', { sessionId, monitors: [1] })).toEqual({ sessionId, monitors: [1] });
      const onlyRight = alice.binary.length;
      const painter = new X11Screen(x.display);
      try {
        painter.paint(0, 0, 1280, H, GREEN);
        painter.paint(1280, 0, 1280, H, RED);
        await waitFor('monitor 2 repainted', () => frames().slice(onlyRight).some((f) => f.type === FrameType.Tile && f.monitor === 1 && f.x === 0 && f.y === 0 && rgbAt0(f.payload, f.encoding, f.width, f.height) === RED), 8000);
        await alice.ask('media.refresh', { sessionId });
        await new Promise((r) => setTimeout(r, 500));
        await alice.ask('ping', {});
        expect(frames().slice(onlyRight).filter((f) => f.monitor === 0)).toEqual([]);
        expect(await alice.ask('media.monitors', { sessionId })).toEqual({ sessionId, monitors: null });
        const allAgain = alice.binary.length;
        await alice.ask('media.refresh', { sessionId, monitor: 0 });
        await waitFor('monitor 1 again', () => frames().slice(allAgain).some((f) => f.type === FrameType.Tile && f.monitor === 0 && rgbAt0(f.payload, f.encoding, f.width, f.height) === GREEN), 8000);
        await expect(alice.ask('media.monitors', { sessionId, monitors: [99] })).rejects.toMatchObject({ code: 'INVALID_DATA' });
      } finally {
        painter.close();
      }

      await alice.ask('input', { sessionId, kind: 'move', monitor: 1, x: 0.5, y: 0.5 });
      await waitFor('the pointer on the right monitor', async () => (await x.x('xdotool', ['getmouselocation'])).startsWith(`x:${1280 + 640} y:360 `), 5000, 20);

      // A click on monitor 2 lands on the application there, at the place asked; one on monitor 1 does not reach it.
      // The application covers the right monitor only (line-buffered: each event readable at once).
      xev = startProcess('xev', 'stdbuf', ['-oL', 'xev', '-event', 'button', '-geometry', `1280x${H}+1280+0`], { env: { ...process.env, DISPLAY: x.display } });
      await waitFor('the xev window', async () => (await x.x('xdotool', ['search', '--name', 'Event Tester'])).trim() !== '', 10000, 100);
      const app = xev;
      const clicks = (): string[] => [...app.output().matchAll(/ButtonPress event[^\n]*\n[^\n]*\(\s*(-?\d+),\s*(-?\d+)\), root:\(\s*(-?\d+),\s*(-?\d+)\)/g)].map((m) => `root ${m[3]},${m[4]}`);
      const click = async (monitor: number, fx: number, fy: number): Promise<void> => {
        await alice.ask('input', { sessionId, kind: 'button', monitor, x: fx, y: fy, button: 1, down: true });
        await alice.ask('input', { sessionId, kind: 'button', monitor, x: fx, y: fy, button: 1, down: false });
      };
      await click(0, 0.5, 0.5);
      await click(1, 0.25, 0.75);
      await waitFor('the click in the window on the right monitor', () => clicks().length > 0, 5000, 20)
        .catch((e: Error) => { throw new Error(`${e.message}; xev said: ${app.output().slice(-2000)}`); });
      // 0..1 of the monitor's last pixel: x 0.25 × 1279 → 320 past the monitor's left edge at 1280, y 0.75 × 719 → 539.
      expect(clicks()).toEqual(['root 1600,539']);

      // Plug in a third monitor: the right one splits in two.
      await x.x('xrandr', ['--delmonitor', 'right']);
      await x.x('xrandr', ['--setmonitor', 'middle', '640/169x720/190+1280+0', 'none']);
      await x.x('xrandr', ['--setmonitor', 'far', '640/169x720/190+1920+0', 'none']);
      const changed = await alice.next('online.changed', (c) => c.agents.some((a: { agentId: string; displays: unknown[] }) => a.agentId === agentId && a.displays.length === 3), 8000);
      expect(changed.agents.find((a: { agentId: string }) => a.agentId === agentId).displays.map((d: { name: string }) => d.name)).toEqual(['left', 'middle', 'far']);
      await waitFor('a full frame of the new monitor', () => frames().find((f) => f.type === FrameType.ScreenInfo && f.monitor === 2 && f.width === 640), 8000);
    } finally {
      desk.stop();
      await alice.close();
      await xev?.stop();
    }
  });
});
