import { encodeFrame, Encoding, FrameType, type MediaFrame } from '../media/frame-codec';
import type { CaptureResult, ScreenSource } from './screen-source';

/** What the loop produced since the last `takeStats` (the agent's `media.stats` report). */
export interface CaptureStats {
  /** Captures with changes sent per second. */
  fps: number;
  bitsPerSecond: number;
  /** Mean time of one capture call (grab + diff + encode) and of its encode stage, ms. */
  captureMs: number;
  encodeMs: number;
  quality: number;
  maxFps: number;
}

export interface CaptureLoopOptions {
  fps: number;
  quality: number;
  monitor: number;
  send: (frame: Uint8Array) => void;
  /** Sends the frames of one capture together (e.g. corked into one socket write); `send` for each when absent. */
  sendAll?: (frames: Uint8Array[]) => void;
  /** Bytes still queued on the socket; above `maxBufferedBytes` a capture is skipped (the server is slow). */
  buffered: () => number;
  maxBufferedBytes: number;
  onPaused: (paused: boolean) => void;
  onError: (err: unknown) => void;
}

type CursorRecord = Pick<MediaFrame, 'type' | 'encoding' | 'x' | 'y' | 'width' | 'height' | 'payload'>;

/** What one capture of a monitor came to: it sent tiles or a cursor record, nothing, or it could not capture (paused). */
type Outcome = 'sent' | 'quiet' | 'paused';

/** Asleep on a quiet screen, a capture still runs this often: only a backstop for a wake-up that never came. */
export const QUIET_BACKSTOP_MS = 1000;

/**
 * Captures at most `fps` times a second while running — every monitor it is told about, one after
 * the other — and sends the dirty tiles of each capture, then an end-of-frame marker. Stopped, it
 * captures nothing at all (hold).
 *
 * Paced by a timer, and woken early by the screen when it can tell (`ScreenSource.watch`: X11 damage
 * or cursor events): a change after a quiet spell is captured at once instead of at the next tick
 * (half a frame interval sooner on average), as long as the last capture that sent a change began
 * at least a frame interval ago — so changes still go out at most `fps` times a second.
 *
 * Asleep while quiet: when a tick sent nothing (no tile, no cursor move) and the screen also tells of
 * pointer motion (`ScreenSource.watchesPointer`), no frame timer is set — the loop waits for the
 * screen's wake-up (or a refresh, a new monitor set), with one capture every `QUIET_BACKSTOP_MS` in
 * case a wake-up is missed. An unchanged screen then costs a capture a second instead of `fps`.
 * Likewise the frame tick after a change captures nothing when the screen has not woken the loop
 * since (its watch, armed after that capture, has not fired): the loop goes to sleep without it.
 */
export class CaptureLoop {
  private running = false;
  private timer?: NodeJS.Timeout;
  private monitors: number[];
  private readonly state = new Map<number, { frameSeq: number; wantFull: boolean; lastCursor: string }>();
  private paused = false;
  private sessionId = '';
  /** A tick is capturing (a wake-up then waits for the timer). */
  private busy = false;
  /** When the last capture that sent a change (tiles or a cursor move) began (performance.now()). */
  private lastChangeAt = -Infinity;
  /** The frame timer is stopped (the screen was quiet): only the backstop timer and the screen's wake-up are set. */
  private sleeping = false;
  /** The screen woke the loop (or a refresh, new monitors) since its watch was last armed. */
  private news = true;
  /** The last tick captured every monitor (none paused, none skipped, no error) and armed the screen's watch. */
  private watched = false;
  /** Captures started by a wake-up from the screen rather than the timer. */
  woken = 0;
  /** Frame ticks that captured nothing because the screen had not woken the loop since the last capture. */
  skipped = 0;
  /** Times the loop went to sleep on a quiet screen. */
  sleeps = 0;
  captures = 0;
  framesSent = 0;
  /** Since the last takeStats. */
  private window = { since: performance.now(), frames: 0, bytes: 0, captures: 0, captureMs: 0, encodeMs: 0 };

  constructor(private readonly source: ScreenSource, private opts: CaptureLoopOptions) {
    this.monitors = [opts.monitor];
  }

  /** The first monitor captured (the primary one): where the overlay draws. */
  get monitor(): number {
    return this.monitors[0] ?? 0;
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(sessionId: string): void {
    this.sessionId = sessionId;
    this.refresh();
    if (this.running) return this.rouse();
    this.running = true;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    this.sleeping = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Which monitors to capture (a monitor plugged in starts with a full frame). */
  setMonitors(indexes: number[]): void {
    const next = indexes.length > 0 ? [...new Set(indexes)].slice(0, 16) : [0];
    for (const m of next) if (!this.monitors.includes(m)) this.of(m).wantFull = true;
    this.monitors = next;
    this.rouse(); // a monitor's geometry may have changed without an event the screen tells of
  }

  /** The next capture of `monitor` (of every monitor when omitted) sends every tile: a viewer joined or asked. */
  refresh(monitor?: number): void {
    for (const m of monitor === undefined ? this.monitors : [monitor]) this.of(m).wantFull = true;
    this.rouse();
  }

  tune(change: Partial<Pick<CaptureLoopOptions, 'fps' | 'quality'>>): void {
    this.opts = { ...this.opts, ...change };
  }

  /** True while the frame timer is stopped on a quiet screen. */
  get asleep(): boolean {
    return this.sleeping;
  }

  /** The rate and JPEG quality it captures at now. */
  get settings(): { fps: number; quality: number } {
    return { fps: this.opts.fps, quality: this.opts.quality };
  }

  /** Rates and mean times since the previous call. */
  takeStats(): CaptureStats {
    const now = performance.now();
    const w = this.window;
    const seconds = Math.max(0.001, (now - w.since) / 1000);
    this.window = { since: now, frames: 0, bytes: 0, captures: 0, captureMs: 0, encodeMs: 0 };
    const mean = (total: number): number => (w.captures > 0 ? Math.round((total / w.captures) * 10) / 10 : 0);
    return {
      fps: Math.round((w.frames / seconds) * 10) / 10, bitsPerSecond: Math.round((w.bytes * 8) / seconds),
      captureMs: mean(w.captureMs), encodeMs: mean(w.encodeMs), quality: this.opts.quality, maxFps: this.opts.fps,
    };
  }

  private of(monitor: number): { frameSeq: number; wantFull: boolean; lastCursor: string } {
    let st = this.state.get(monitor);
    if (!st) this.state.set(monitor, (st = { frameSeq: 0, wantFull: true, lastCursor: '' }));
    return st;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    if (!this.running || this.busy) return;
    const backstop = this.sleeping;
    this.sleeping = false;
    const owed = (): boolean => this.monitors.some((m) => this.of(m).wantFull);
    if (!backstop && this.watched && !this.news && this.source.watchesPointer && !owed()) {
      // The frame tick after a change, and the screen has told of nothing since that capture (its
      // watch is still armed): this capture would find nothing. Asleep without it.
      this.skipped += 1;
      this.sleeps += 1;
      this.sleeping = true;
      this.schedule(QUIET_BACKSTOP_MS);
      return;
    }
    this.busy = true;
    const started = performance.now();
    let sent = false;
    let clean = true;
    try {
      for (const monitor of this.monitors) {
        try {
          if (this.opts.buffered() > this.opts.maxBufferedBytes) {
            clean = false; // skipped: the damage waits, so must the next capture
          } else {
            const outcome = await this.captureOnce(monitor);
            if (outcome === 'sent') sent = true;
            if (outcome === 'paused') clean = false;
          }
        } catch (err) {
          clean = false;
          this.opts.onError(err);
        }
        if (!this.running) return;
      }
    } finally {
      this.busy = false;
    }
    if (sent) this.lastChangeAt = started;
    this.watched = false;
    if (clean && !sent && this.source.watchesPointer && !owed()) {
      // Nothing changed: no frame timer; the screen's wake-up (armed only after a capture drained the events) or the backstop.
      this.sleeping = true;
      this.schedule(QUIET_BACKSTOP_MS);
      if (this.arm()) {
        this.sleeps += 1;
        this.watched = true;
        return;
      }
      this.sleeping = false;
      if (this.timer) clearTimeout(this.timer);
    }
    const interval = 1000 / Math.max(1, this.opts.fps);
    this.schedule(Math.max(0, interval - (performance.now() - started)));
    // Armed only after a capture (which drains the events): one wake-up per tick at most.
    this.watched = this.arm() && clean;
  }

  private arm(): boolean {
    this.news = false;
    try {
      return this.source.watch?.(() => this.wake()) === true;
    } catch (err) {
      this.opts.onError(err);
      return false;
    }
  }

  /** The screen has news: capture now unless a change went out less than a frame interval ago. */
  private wake(): void {
    this.news = true;
    if (!this.running || this.busy || this.timer === undefined) return;
    const wait = 1000 / Math.max(1, this.opts.fps) - (performance.now() - this.lastChangeAt);
    if (this.sleeping) {
      this.sleeping = false;
      clearTimeout(this.timer);
      if (wait > 0) return this.schedule(wait); // the frame rate cap: at the end of the interval
    } else if (wait > 0) {
      return; // the timer comes soon enough
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.woken += 1;
    void this.tick();
  }

  /** Asleep, something the screen does not tell of needs a capture (a refresh, new monitors): back to the frame timer. */
  private rouse(): void {
    this.news = true;
    if (!this.running || !this.sleeping || this.timer === undefined) return;
    this.sleeping = false;
    clearTimeout(this.timer);
    this.schedule(Math.max(0, 1000 / Math.max(1, this.opts.fps) - (performance.now() - this.lastChangeAt)));
  }

  /**
   * A cursor record when the pointer moved or its image changed: x, y is the hotspot; with an image,
   * width × height of raw BGRA (encoding 3) whose hotspot is at (xhot, yhot) — sent in the first
   * 4 + 4 bytes of the payload as two uint32 LE, then the pixels.
   */
  private cursorFrame(result: CaptureResult, full: boolean, st: { lastCursor: string }): CursorRecord | undefined {
    const c = result.cursor;
    if (!c || !c.onMonitor) return undefined;
    const key = `${c.x},${c.y}`;
    if (!full && !c.image && key === st.lastCursor) return undefined;
    st.lastCursor = key;
    if (!c.image) return { type: FrameType.Cursor, encoding: Encoding.None, x: c.x, y: c.y, width: 0, height: 0, payload: new Uint8Array(0) };
    const payload = new Uint8Array(8 + c.image.data.length);
    const v = new DataView(payload.buffer);
    v.setUint32(0, c.image.xhot, true);
    v.setUint32(4, c.image.yhot, true);
    payload.set(c.image.data, 8);
    return { type: FrameType.Cursor, encoding: Encoding.RawBgra, x: c.x, y: c.y, width: c.image.width, height: c.image.height, payload };
  }

  /** Whether it sent something (tiles or a cursor record), nothing, or could not capture. */
  private async captureOnce(monitor: number): Promise<Outcome> {
    const st = this.of(monitor);
    const full = st.wantFull;
    st.wantFull = false;
    this.captures += 1;
    const began = performance.now();
    const sessionId = this.sessionId;
    const frameSeq = (st.frameSeq + 1) >>> 0;
    const result = await this.source.capture(monitor, { full, quality: this.opts.quality, frame: { sessionId, frameSeq } });
    this.window.captures += 1;
    this.window.captureMs += performance.now() - began;
    this.window.encodeMs += result.ms?.encode ?? 0;
    if (!this.running) return 'quiet'; // Hold arrived while capturing: drop it.
    if (monitor === this.monitor && result.paused !== this.paused) {
      this.paused = result.paused;
      this.opts.onPaused(result.paused);
    }
    if (result.paused) {
      st.wantFull = true; // whatever comes back is sent whole
      return 'paused';
    }
    const cursor = this.cursorFrame(result, full, st);
    if (result.framed && sessionId === this.sessionId) {
      this.sendFramed(monitor, result, result.framed, cursor, st, frameSeq, sessionId);
      return result.framed.tiles > 0 || cursor ? 'sent' : 'quiet';
    }
    if (result.tiles.length === 0 && !cursor) return 'quiet';
    const seq = ++st.frameSeq >>> 0;
    const base = { monitor, frameSeq: seq, timestamp: result.timestamp, sessionId: this.sessionId };
    const out: Uint8Array[] = [];
    if (full) {
      out.push(encodeFrame({ ...base, type: FrameType.ScreenInfo, encoding: Encoding.None, x: 0, y: 0, width: result.width, height: result.height, payload: new Uint8Array(0) }));
    }
    for (const t of result.tiles) {
      out.push(encodeFrame({ ...base, type: FrameType.Tile, encoding: t.encoding, x: t.x, y: t.y, width: t.width, height: t.height, payload: t.data }));
    }
    this.framesSent += result.tiles.length;
    if (cursor) out.push(encodeFrame({ ...base, ...cursor }));
    if (result.tiles.length > 0) {
      out.push(encodeFrame({ ...base, type: FrameType.EndOfFrame, encoding: Encoding.None, x: 0, y: 0, width: result.width, height: result.height, payload: new Uint8Array(0) }));
    }
    if (result.tiles.length > 0) this.window.frames += 1;
    for (const f of out) this.window.bytes += f.byteLength;
    this.sendOut(out);
    return 'sent';
  }

  /**
   * Sends a capture the source framed itself (with `frameSeq`): its frames as they are, the cursor
   * record before the end of frame — the same frames, in the same order, as the loop's own framing.
   */
  private sendFramed(monitor: number, result: CaptureResult, framed: { bytes: Uint8Array; tiles: number }, cursor: CursorRecord | undefined, st: { frameSeq: number }, frameSeq: number, sessionId: string): void {
    const { bytes, tiles } = framed;
    if (tiles === 0 && !cursor) return;
    st.frameSeq = frameSeq;
    const cursorBytes = cursor ? encodeFrame({ monitor, frameSeq, timestamp: result.timestamp, sessionId, ...cursor }) : undefined;
    const out: Uint8Array[] = [];
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 0; at < bytes.length;) {
      const end = at + v.getUint16(at + 6, true) + v.getUint32(at + 28, true);
      if (cursorBytes && bytes[at + 2] === FrameType.EndOfFrame) out.push(cursorBytes);
      out.push(bytes.subarray(at, end));
      at = end;
    }
    if (cursorBytes && tiles === 0) out.push(cursorBytes);
    this.framesSent += tiles;
    if (tiles > 0) this.window.frames += 1;
    this.window.bytes += bytes.length + (cursorBytes?.byteLength ?? 0);
    this.sendOut(out);
  }

  private sendOut(out: Uint8Array[]): void {
    if (this.opts.sendAll) this.opts.sendAll(out);
    else for (const f of out) this.opts.send(f);
  }
}
