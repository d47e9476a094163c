import { CaptureLoop, QUIET_BACKSTOP_MS } from '../../src/agent/capture-loop';
import type { ScreenSource } from '../../src/agent/screen-source';
import { decodeFrame, FrameType, type MediaFrame } from '../../src/media/frame-codec';
import { X11Screen } from '../../src/native/x11';
import { waitFor } from '../support/wait';
import { startXvfb, type TestDisplay } from '../support/xvfb';

const W = 800;
const H = 600;

/**
 * The agent's capture loop over the real X11 screen on a quiet display: it stops its frame timer and
 * sleeps on the X connection (XDamage, XFixes cursor and XInput 2 raw motion events), and a paint or
 * a pointer move after a long quiet spell is still captured — by the screen's wake-up, not a timer.
 */
describe('capture loop asleep on a quiet X11 screen', () => {
  let x: TestDisplay;
  let cap: X11Screen;
  let input: X11Screen;

  beforeAll(async () => {
    x = await startXvfb({ width: W, height: H });
    await x.x('xsetroot', ['-solid', '#224466']);
    cap = new X11Screen(x.display);
    input = new X11Screen(x.display);
  });

  afterAll(async () => {
    cap?.close();
    input?.close();
    await x?.stop();
  });

  it('makes no capture while nothing changes, then delivers a paint, a pointer move that draws nothing and a refresh at once, in order', async () => {
    expect(cap.features().motion).toBe(true);
    const counts = { captures: 0 };
    const source: ScreenSource = {
      monitors: () => cap.monitors(),
      capture: (m, o) => { counts.captures += 1; return cap.capture(m, o); },
      watch: (onActivity) => cap.watch(onActivity),
      watchesPointer: cap.features().motion,
      close: () => undefined,
    };
    const sent: MediaFrame[] = [];
    const loop = new CaptureLoop(source, {
      fps: 30, quality: 80, monitor: 0, buffered: () => 0, maxBufferedBytes: 1 << 20,
      send: (f) => {
        const p = decodeFrame(f);
        if (p.ok) sent.push(p.frame);
      },
      onPaused: () => undefined, onError: (e) => { throw e; },
    });
    // Asleep, then past the frame interval of the last change (a change within it waits for the rate cap, not the wake-up).
    const asleepAgain = async (): Promise<void> => {
      await waitFor('asleep again', () => loop.asleep, 3000, 2);
      await new Promise((r) => setTimeout(r, 50));
    };
    const names = new Map<number, string>(Object.entries(FrameType).map(([k, v]) => [v, k]));
    const since = (n: number): string[] => sent.slice(n).map((f) => names.get(f.type) ?? String(f.type));
    try {
      input.move(0, 5, 5);
      loop.start('s_sleep');
      await waitFor('the first full frame', () => sent.some((f) => f.type === FrameType.EndOfFrame), 5000, 5);
      await new Promise((r) => setTimeout(r, 100)); // the next tick finds nothing

      // Quiet: at 30 fps a timer would capture ~36 times in 1.2 s; asleep, only the backstop may.
      const quietFrom = counts.captures;
      const sentFrom = sent.length;
      await new Promise((r) => setTimeout(r, 1200));
      expect(counts.captures - quietFrom).toBeLessThanOrEqual(Math.ceil(1200 / QUIET_BACKSTOP_MS));
      expect(sent.length).toBe(sentFrom);
      expect(loop.asleep).toBe(true);

      // A paint after the quiet spell: captured on the screen's wake-up, its tiles then the end of frame.
      let woken = loop.woken;
      let mark = sent.length;
      let captures = counts.captures;
      let skipped = loop.skipped;
      input.paint(100, 100, 40, 30, 0xee3311);
      await waitFor('the painted tile', () => sent.slice(mark).some((f) => f.type === FrameType.EndOfFrame), 3000, 2);
      expect(loop.woken).toBe(woken + 1);
      const painted = sent.slice(mark);
      const tiles = painted.filter((f) => f.type === FrameType.Tile);
      for (const [px, py] of [[100, 100], [139, 129]]) expect(tiles.some((f) => f.x <= px && px < f.x + f.width && f.y <= py && py < f.y + f.height)).toBe(true);
      expect(painted[painted.length - 1]!.type).toBe(FrameType.EndOfFrame);
      await asleepAgain();
      // One capture for it: the frame tick after it found no news from the screen and captured nothing.
      expect(counts.captures - captures).toBe(1);
      expect(loop.skipped - skipped).toBe(1);

      // A pointer move through XTest (another connection) that draws nothing the capture sees: woken
      // by raw motion, the cursor record with the new position and nothing else.
      for (const [px, py] of [[300, 200], [420, 310]] as const) {
        woken = loop.woken;
        mark = sent.length;
        captures = counts.captures;
        skipped = loop.skipped;
        input.move(0, px, py);
        await waitFor(`the cursor at ${px},${py}`, () => sent.slice(mark).some((f) => f.type === FrameType.Cursor && f.x === px && f.y === py), 3000, 2);
        expect(loop.woken).toBe(woken + 1);
        expect(since(mark).every((t) => t === 'Cursor')).toBe(true);
        await asleepAgain();
        expect(counts.captures - captures).toBe(1);
        expect(loop.skipped - skipped).toBe(1);
      }
      // A program warping the pointer (xdotool: XWarpPointer) raises no raw motion: the backstop capture
      // sends it, within QUIET_BACKSTOP_MS.
      mark = sent.length;
      await x.x('xdotool', ['mousemove', '600', '450']);
      await waitFor('the cursor at 600,450', () => sent.slice(mark).some((f) => f.type === FrameType.Cursor && f.x === 600 && f.y === 450), QUIET_BACKSTOP_MS + 2000, 2);
      expect(since(mark).every((t) => t === 'Cursor')).toBe(true);
      await asleepAgain();

      // A refresh (a viewer joined) while asleep: the whole screen at once, without a screen event.
      woken = loop.woken;
      mark = sent.length;
      loop.refresh();
      await waitFor('the full frame', () => sent.slice(mark).some((f) => f.type === FrameType.EndOfFrame), 3000, 2);
      const full = since(mark);
      expect(full[0]).toBe('ScreenInfo');
      expect(full.filter((t) => t === 'Tile').length).toBeGreaterThanOrEqual(Math.ceil(W / 64) * Math.ceil(H / 64));
      expect(full[full.length - 1]).toBe('EndOfFrame');
      expect(loop.woken).toBe(woken);
      // Frame numbers only grow, one per capture that sent something.
      const seqs = sent.map((f) => f.frameSeq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    } finally {
      loop.stop();
    }
  });
});
