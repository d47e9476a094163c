/**
 * The X11 screen of the desktop agent: XShm capture with XDamage (no grab when nothing was drawn),
 * XFixes cursor, XRandR monitors, and XTest input — all in native/src/x11.cc. This wrapper checks
 * every argument before it crosses into C++ and reopens the display after it was lost. It holds no
 * policy: whether to capture or inject at all is the agent's and the server's business.
 */
import type { NativeCapture, NativeX11Clipboard, NativeX11Screen } from './binding';
import { call, callAsync, checkInt, DEFAULT_TILE_SIZE, NativeArgumentError, NativeError, type EncodeMode, type SimdPath } from './index';

export interface Monitor {
  index: number;
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
  primary?: boolean;
}

export interface OverlayPointer {
  x: number;
  y: number;
  label: string;
  rgb: number;
}

export interface OverlayStroke {
  /** x0, y0, x1, y1, … in monitor pixels. */
  points: number[];
  rgb: number;
  width: number;
}

/** Wire encodings of the media frame format (src/media/frame-codec.ts): 1 JPEG, 2 lossless. */
export interface ScreenTile {
  x: number;
  y: number;
  width: number;
  height: number;
  encoding: 1 | 2;
  data: Uint8Array;
}

export interface ScreenCursor {
  /** Hotspot position relative to the monitor. */
  x: number;
  y: number;
  onMonitor: boolean;
  /** Straight-alpha BGRA, only when the cursor's image changed (or the capture was full). */
  image?: { width: number; height: number; xhot: number; yhot: number; data: Uint8Array };
}

export interface ScreenCapture {
  paused: boolean;
  reason?: string;
  width: number;
  height: number;
  tiles: ScreenTile[];
  cursor?: ScreenCursor;
  timestamp: number;
  /** Time spent in the native stages, for the bench and the agent's debug log. */
  ms?: { grab: number; diff: number; encode: number };
  /** With `frame`: the media frames of this capture (screen info when full, tiles, end of frame), back to back; `tiles` is read from them on demand. */
  framed?: { bytes: Uint8Array; tiles: number };
}

export interface X11CaptureOptions {
  full: boolean;
  quality: number;
  mode?: EncodeMode;
  tileSize?: number;
  path?: SimdPath;
  /** Grab and diff even when XDamage saw nothing drawn (benchmarks). */
  forceGrab?: boolean;
  /** Changed tiles side by side in a row travel as one rect of up to this many tiles (default 8; 1 = every tile alone). Full frames are always single tiles. */
  mergeRun?: number;
  /** Frame the result natively as media frames of this session and frame sequence number (`framed`). */
  frame?: { sessionId: string; frameSeq: number };
}

/** How long a lost display waits before the next reopen attempt. */
const REOPEN_EVERY_MS = 2000;
/** 8 tiles = 512 px: wide enough to cut per-frame costs, small enough for the palette path. */
const DEFAULT_MERGE_RUN = 8;
const MODES: readonly EncodeMode[] = ['auto', 'jpeg', 'lossless'];
const PATHS: readonly SimdPath[] = ['auto', 'portable', 'sse2', 'avx2'];
/** Of the media frame format (src/media/frame-codec.ts; src/native imports nothing else of src/): fixed header bytes, the tile type, a session id. */
const FRAME_HEADER = 33;
const TILE_FRAME = 1;
const SESSION_ID = /^[A-Za-z0-9_.:@-]{1,80}$/;

export class X11Screen {
  private native?: NativeX11Screen;
  private nextReopen = 0;
  private closed = false;

  /** Opens `display` (default `$DISPLAY`); throws NativeError DISPLAY_UNAVAILABLE when it cannot. */
  constructor(readonly display: string = process.env.DISPLAY ?? '') {
    if (!display) throw new NativeError('DISPLAY_UNAVAILABLE', 'no X display: set DISPLAY or pass --display');
    this.native = call((b) => new b.X11Screen(display));
  }

  features(): ReturnType<NativeX11Screen['features']> {
    return call(() => this.open().features());
  }

  monitors(): Monitor[] {
    if (!this.ready()) return [];
    return call(() => this.open().monitors());
  }

  /** Captures a monitor: the tiles changed since the previous capture, or every tile when `full`. */
  async capture(monitor: number, opts: X11CaptureOptions): Promise<ScreenCapture> {
    checkInt('monitor', monitor, 0, 255);
    checkInt('quality', opts.quality, 1, 100);
    const tile = opts.tileSize ?? DEFAULT_TILE_SIZE;
    checkInt('tileSize', tile, 16, 1024);
    const mode = opts.mode ?? 'auto';
    if (!MODES.includes(mode)) throw new NativeArgumentError('mode', `must be one of ${MODES.join(', ')}`);
    const path = opts.path ?? 'auto';
    if (!PATHS.includes(path)) throw new NativeArgumentError('path', `must be one of ${PATHS.join(', ')}`);
    const mergeRun = opts.mergeRun ?? DEFAULT_MERGE_RUN;
    checkInt('mergeRun', mergeRun, 1, 64);
    const timestamp = Date.now();
    if (!this.ready()) return { paused: true, reason: 'display lost', width: 0, height: 0, tiles: [], timestamp };
    const native = this.open();
    const f = opts.frame;
    if (f) {
      if (typeof f.sessionId !== 'string' || !SESSION_ID.test(f.sessionId)) throw new NativeArgumentError('frame.sessionId', 'must be 1-80 id characters');
      checkInt('frame.frameSeq', f.frameSeq, 0, 0xffffffff);
    }
    const r = await callAsync(() => native.capture(monitor, opts.full, opts.quality, mode, tile, path, opts.forceGrab === true, mergeRun, f?.sessionId, f?.frameSeq, timestamp));
    return toCapture(r, timestamp);
  }

  /**
   * Calls `onActivity` once, soon after the display next has news for the capture connection (drawing
   * XDamage reported, a cursor change, a monitor change): a one-shot wake-up, armed again by calling
   * again. False when it cannot watch (display closed or lost). It may also not come at all when Xlib
   * already read the event during a capture, so a caller keeps its own timer.
   */
  watch(onActivity: () => void): boolean {
    if (!this.ready()) return false;
    return call(() => this.open().watch(() => {
      try {
        onActivity();
      } catch {
        // a caller's bug must not become an exception inside a libuv callback
      }
    }));
  }

  move(monitor: number, x: number, y: number): void {
    checkInt('monitor', monitor, 0, 255);
    checkInt('x', x, 0, 32767);
    checkInt('y', y, 0, 32767);
    call(() => this.open().move(monitor, x, y));
  }

  button(button: number, down: boolean): void {
    checkInt('button', button, 1, 9);
    call(() => this.open().button(button, down === true));
  }

  wheel(dx: number, dy: number): void {
    checkInt('dx', dx, -100, 100);
    checkInt('dy', dy, -100, 100);
    call(() => this.open().wheel(dx, dy));
  }

  key(keysym: number, down: boolean): void {
    checkInt('keysym', keysym, 1, 0x1fffffff);
    call(() => this.open().key(keysym, down === true));
  }

  text(text: string): void {
    if (typeof text !== 'string') throw new NativeArgumentError('text', 'must be a string');
    if (text.length > 4096) throw new NativeArgumentError('text', 'is longer than 4096 characters');
    call(() => this.open().text(text));
  }

  /** Fills a rectangle of the root window with 0xRRGGBB: exact screen changes for tests and benchmarks. */
  paint(x: number, y: number, w: number, h: number, rgb: number): void {
    checkInt('x', x, 0, 32767);
    checkInt('y', y, 0, 32767);
    checkInt('w', w, 1, 32767);
    checkInt('h', h, 1, 32767);
    checkInt('rgb', rgb, 0, 0xffffff);
    call(() => this.open().paint(x, y, w, h, rgb));
  }

  /**
   * Replaces what the overlay shows on a monitor: pointers (tip at x, y, with a name tag) and
   * strokes (polylines), in monitor pixels, colours 0xRRGGBB. Empty lists hide it. The overlay never
   * takes the customer's clicks.
   */
  overlay(monitor: number, pointers: OverlayPointer[], strokes: OverlayStroke[]): void {
    checkInt('monitor', monitor, 0, 255);
    if (!Array.isArray(pointers) || pointers.length > 64) throw new NativeArgumentError('pointers', 'must be an array of at most 64 pointers');
    if (!Array.isArray(strokes) || strokes.length > 256) throw new NativeArgumentError('strokes', 'must be an array of at most 256 strokes');
    pointers.forEach((p, i) => {
      checkInt(`pointers[${i}].x`, p.x, 0, 32767);
      checkInt(`pointers[${i}].y`, p.y, 0, 32767);
      checkInt(`pointers[${i}].rgb`, p.rgb, 0, 0xffffff);
    });
    strokes.forEach((s, i) => {
      checkInt(`strokes[${i}].rgb`, s.rgb, 0, 0xffffff);
      checkInt(`strokes[${i}].width`, s.width, 1, 64);
      if (!Array.isArray(s.points) || s.points.length % 2 !== 0 || s.points.length > 4000 || !s.points.every(Number.isFinite)) {
        throw new NativeArgumentError(`strokes[${i}].points`, 'must be an even-length array of at most 4000 finite numbers');
      }
    });
    call(() => this.open().overlay(monitor, pointers.map((p) => ({ ...p, label: String(p.label ?? '').slice(0, 40) })), strokes));
  }

  /** Root-window pointer position. */
  pointer(): { x: number; y: number } {
    return call(() => this.open().pointer());
  }

  close(): void {
    this.closed = true;
    this.native?.close();
    this.native = undefined;
  }

  private open(): NativeX11Screen {
    if (!this.native) throw new NativeError(this.closed ? 'CLOSED' : 'DISPLAY_LOST', this.closed ? 'the display is closed' : `the X display '${this.display}' went away`);
    return this.native;
  }

  /** False while the display is lost; tries to reopen it every couple of seconds. */
  private ready(): boolean {
    if (this.closed) throw new NativeError('CLOSED', 'the display is closed');
    if (this.native && !this.native.lost()) return true;
    if (this.native) {
      this.native.close();
      this.native = undefined;
    }
    if (Date.now() < this.nextReopen) return false;
    this.nextReopen = Date.now() + REOPEN_EVERY_MS;
    try {
      this.native = call((b) => new b.X11Screen(this.display));
      return true;
    } catch {
      return false;
    }
  }
}

function toCapture(r: NativeCapture, timestamp: number): ScreenCapture {
  const out: ScreenCapture = {
    paused: r.paused, width: r.width, height: r.height, timestamp, ms: r.ms,
    tiles: (r.tiles ?? []).map((t) => ({ x: t.x, y: t.y, width: t.w, height: t.h, encoding: t.encoding === 'jpeg' ? 1 : 2, data: t.data })),
  };
  if (r.frames) {
    const bytes = r.frames;
    let tiles: ScreenTile[] | undefined;
    out.framed = { bytes, tiles: r.tileCount ?? 0 };
    Object.defineProperty(out, 'tiles', { enumerable: true, get: () => (tiles ??= tilesOf(bytes)) });
  }
  if (r.reason !== undefined) out.reason = r.reason;
  if (r.cursor) {
    const c = r.cursor;
    out.cursor = { x: c.x, y: c.y, onMonitor: c.onMonitor };
    if (c.image && c.width && c.height) out.cursor.image = { width: c.width, height: c.height, xhot: c.xhot ?? 0, yhot: c.yhot ?? 0, data: c.image };
  }
  return out;
}

/** The tile frames among natively framed bytes (header layout: src/media/frame-codec.ts); payloads are views. */
function tilesOf(bytes: Uint8Array): ScreenTile[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tiles: ScreenTile[] = [];
  for (let at = 0; at + FRAME_HEADER <= bytes.length;) {
    const head = v.getUint16(at + 6, true);
    const end = at + head + v.getUint32(at + 28, true);
    if (bytes[at + 2] === TILE_FRAME) {
      tiles.push({ x: v.getUint16(at + 20, true), y: v.getUint16(at + 22, true), width: v.getUint16(at + 24, true), height: v.getUint16(at + 26, true), encoding: bytes[at + 3] === 1 ? 1 : 2, data: bytes.subarray(at + head, end) });
    }
    at = end;
  }
  return tiles;
}

/**
 * The X11 clipboard: follows CLIPBOARD (without polling: XFixes wakes a native thread) and reports
 * each new text another application copied; `set` makes a text the content of CLIPBOARD and PRIMARY.
 * Texts over `maxBytes` are neither read nor set. No policy: whether to send or accept a clipboard
 * is the agent's and the session's business.
 */
/** What a clipboard holds: text, or an image as a PNG file. */
export type ClipboardContent = { mime: 'text/plain'; text: string } | { mime: 'image/png'; data: Buffer };

export class X11Clipboard {
  private native?: NativeX11Clipboard;

  /** `onChange` gets what another application copied: text, or a PNG image (text wins when both are offered). */
  constructor(readonly display: string, maxBytes: number, onChange: (content: ClipboardContent) => void) {
    if (!display) throw new NativeError('DISPLAY_UNAVAILABLE', 'no X display: set DISPLAY or pass --display');
    checkInt('maxBytes', maxBytes, 1, 16 * 1024 * 1024);
    this.native = call((b) =>
      new b.X11Clipboard(display, maxBytes, (content, mime) =>
        onChange(mime === 'image/png' ? { mime, data: content as Buffer } : { mime: 'text/plain', text: String(content) }),
      ),
    );
  }

  /** Makes `content` the desktop's clipboard (CLIPBOARD and PRIMARY); a string is text. */
  set(content: ClipboardContent | string): void {
    const c: ClipboardContent = typeof content === 'string' ? { mime: 'text/plain', text: content } : content;
    if (c.mime === 'text/plain' && typeof c.text !== 'string') throw new NativeArgumentError('text', 'must be a string');
    if (c.mime === 'image/png' && !Buffer.isBuffer(c.data)) throw new NativeArgumentError('data', 'must be a Buffer');
    if (c.mime !== 'text/plain' && c.mime !== 'image/png') throw new NativeArgumentError('mime', 'must be text/plain or image/png');
    const native = this.native;
    if (!native) throw new NativeError('CLOSED', 'the clipboard is closed');
    call(() => native.set(c.mime === 'image/png' ? c.data : c.text, c.mime));
  }

  stop(): void {
    this.native?.stop();
    this.native = undefined;
  }
}
