import { decodeFrame, FrameType } from '../media/frame-codec';
import { CaptureLoop } from './capture-loop';
import type { CaptureResult, ScreenSource } from './screen-source';

/** A screen whose every capture reports one changed tile; counts how often it was asked. */
class CountingScreen implements ScreenSource {
  calls = 0;
  paused = false;
  monitors() { return [{ index: 0, name: 'm0', x: 0, y: 0, width: 128, height: 64 }]; }
  async capture(): Promise<CaptureResult> {
    this.calls += 1;
    return { paused: this.paused, width: 128, height: 64, timestamp: Date.now(), tiles: this.paused ? [] : [{ x: 0, y: 0, width: 64, height: 64, encoding: 1, data: new Uint8Array([1, 2, 3]) }] };
  }
  close(): void {}
}

function loopWith(screen: CountingScreen) {
  const frames: Uint8Array[] = [];
  const paused: boolean[] = [];
  const loop = new CaptureLoop(screen, {
    fps: 100, quality: 70, monitor: 0, send: (f) => frames.push(f), buffered: () => 0, maxBufferedBytes: 1 << 20,
    onPaused: (p) => paused.push(p), onError: (e) => { throw e; },
  });
  return { loop, frames, paused };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error('condition not reached');
};

describe('CaptureLoop', () => {
  it('never captures while stopped (hold) and stops capturing at once when stopped', async () => {
    const screen = new CountingScreen();
    const { loop, frames } = loopWith(screen);
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.calls).toBe(0);
    loop.start('s1');
    await until(() => screen.calls >= 3);
    loop.stop();
    const callsAtStop = screen.calls;
    const framesAtStop = frames.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.calls).toBe(callsAtStop);
    expect(frames.length).toBe(framesAtStop);
  });

  it('sends screen info with the first (full) capture, then tiles and an end-of-frame marker', async () => {
    const screen = new CountingScreen();
    const { loop, frames } = loopWith(screen);
    loop.start('s1');
    await until(() => frames.length >= 3);
    loop.stop();
    const types = frames.slice(0, 3).map((f) => { const r = decodeFrame(f); return r.ok ? r.frame.type : -1; });
    expect(types).toEqual([FrameType.ScreenInfo, FrameType.Tile, FrameType.EndOfFrame]);
  });

  it('reports a paused screen instead of sending frames', async () => {
    const screen = new CountingScreen();
    screen.paused = true;
    const { loop, frames, paused } = loopWith(screen);
    loop.start('s1');
    await until(() => paused.length === 1);
    loop.stop();
    expect(paused).toEqual([true]);
    expect(frames).toHaveLength(0);
  });

  it('reports what it sent since the last report (frames, bytes, capture and encode time) and the settings it was tuned to', async () => {
    const screen = new CountingScreen();
    const real = screen.capture.bind(screen);
    screen.capture = async () => ({ ...(await real()), ms: { grab: 1, diff: 1, encode: 2 } });
    const { loop, frames } = loopWith(screen);
    loop.tune({ fps: 50, quality: 40 });
    loop.start('s1');
    await until(() => screen.calls >= 5);
    loop.stop();
    const stats = loop.takeStats();
    expect(stats).toMatchObject({ quality: 40, maxFps: 50, encodeMs: 2 });
    expect(stats.fps).toBeGreaterThan(0);
    expect(stats.bitsPerSecond).toBeGreaterThan(0);
    expect(frames.length).toBeGreaterThan(0);
    // The next report starts from nothing.
    expect(loop.takeStats()).toMatchObject({ fps: 0, bitsPerSecond: 0, captureMs: 0, encodeMs: 0 });
    expect(loop.settings).toEqual({ fps: 50, quality: 40 });
  });

  it('captures at once when the screen wakes it after a quiet spell, never more often than fps for changes', async () => {
    /** Changes only when told; can wake the loop like X11 damage does. */
    class WakingScreen extends CountingScreen {
      changed = true;
      wake?: () => void;
      override async capture(): Promise<CaptureResult> {
        const r = await super.capture();
        const tiles = this.changed ? r.tiles : [];
        this.changed = false;
        return { ...r, tiles };
      }
      watch(onActivity: () => void): boolean {
        this.wake = onActivity;
        return true;
      }
    }
    const screen = new WakingScreen();
    const frames: number[] = [];
    const loop = new CaptureLoop(screen, {
      fps: 2, quality: 70, monitor: 0, send: () => frames.push(performance.now()), buffered: () => 0, maxBufferedBytes: 1 << 20,
      onPaused: () => undefined, onError: (e) => { throw e; },
    });
    loop.start('s1');
    await until(() => screen.calls === 1 && screen.wake !== undefined);
    // Within the frame interval of the last change: the wake-up is left to the timer (500 ms away).
    screen.changed = true;
    screen.wake!();
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.calls).toBe(1);
    expect(loop.woken).toBe(0);
    // After the interval (the timer's capture sent the change), a quiet spell, then a change: at once.
    await until(() => screen.calls === 2);
    await new Promise((r) => setTimeout(r, 520)); // one more quiet tick passes (calls 3)
    const calls = screen.calls;
    screen.changed = true;
    const woke = performance.now();
    screen.wake!();
    await until(() => screen.calls === calls + 1);
    expect(performance.now() - woke).toBeLessThan(100);
    expect(loop.woken).toBe(1);
    // A stopped loop ignores wake-ups.
    loop.stop();
    screen.wake!();
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.calls).toBe(calls + 1);
  });
});
