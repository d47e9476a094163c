import { decodeFrame, encodeFrame, Encoding, FrameType } from '../media/frame-codec';
import { CaptureLoop } from './capture-loop';
import type { CaptureFraming, CaptureResult, ScreenSource } from './screen-source';

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

  it('sends a capture the source framed itself as the same bytes, in the same order, as its own framing (cursor before the end of frame)', async () => {
    /** Capture n: tiles on even captures, the pointer moving on every third, nothing on the others. */
    const scripted = (framing: boolean): ScreenSource & { calls: number } => ({
      calls: 0,
      monitors: () => [{ index: 0, name: 'm0', x: 0, y: 0, width: 256, height: 64 }],
      close: () => undefined,
      async capture(_m: number, o: { full: boolean; quality: number; frame?: CaptureFraming }): Promise<CaptureResult> {
        const n = this.calls++;
        const tiles = n % 2 === 0 ? [{ x: 0, y: 0, width: 64, height: 64, encoding: 2 as const, data: new Uint8Array([n, 1, 2]) }, { x: 64, y: 0, width: 128, height: 64, encoding: 1 as const, data: new Uint8Array([n, 9]) }] : [];
        const result: CaptureResult = { paused: false, width: 256, height: 64, timestamp: 1000 + n, tiles, cursor: { x: Math.floor(n / 3), y: 5, onMonitor: true } };
        if (framing && o.frame) {
          const base = { monitor: 0, frameSeq: o.frame.frameSeq, timestamp: result.timestamp, sessionId: o.frame.sessionId };
          const none = new Uint8Array(0);
          const parts = [
            ...(o.full ? [encodeFrame({ ...base, type: FrameType.ScreenInfo, encoding: Encoding.None, x: 0, y: 0, width: 256, height: 64, payload: none })] : []),
            ...tiles.map((t) => encodeFrame({ ...base, type: FrameType.Tile, encoding: t.encoding, x: t.x, y: t.y, width: t.width, height: t.height, payload: t.data })),
            ...(tiles.length > 0 ? [encodeFrame({ ...base, type: FrameType.EndOfFrame, encoding: Encoding.None, x: 0, y: 0, width: 256, height: 64, payload: none })] : []),
          ];
          result.framed = { bytes: Buffer.concat(parts), tiles: tiles.length };
        }
        return result;
      },
    });
    const run = async (framing: boolean): Promise<string[]> => {
      const source = scripted(framing);
      const sent: string[] = [];
      const loop = new CaptureLoop(source, {
        fps: 200, quality: 70, monitor: 0, send: () => { throw new Error('sendAll expected'); }, sendAll: (fs) => sent.push(fs.map((f) => Buffer.from(f).toString('hex')).join(' ')),
        buffered: () => 0, maxBufferedBytes: 1 << 20, onPaused: () => undefined, onError: (e) => { throw e; },
      });
      loop.start('s_loop');
      await until(() => source.calls >= 12);
      loop.stop();
      expect(loop.takeStats().bitsPerSecond).toBeGreaterThan(0);
      return sent.slice(0, 8);
    };
    const own = await run(false);
    const framed = await run(true);
    expect(own.length).toBe(8);
    expect(framed).toEqual(own);
    // Captures with neither tiles nor a pointer move send nothing and use no frame number.
    const seqs = own.map((batch) => { const f = decodeFrame(Buffer.from(batch.split(' ')[0]!, 'hex')); return f.ok ? f.frame.frameSeq : -1; });
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
