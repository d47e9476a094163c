/**
 * The raw shape of build/Release/tandem_native.node (native/src/addon.cc). Only src/native/index.ts
 * uses it; everything else goes through the validated wrappers there. Every function throws (or
 * rejects with) an Error whose `code` is 'INVALID_ARGUMENT' or 'NATIVE_FAILURE'.
 */
export interface NativeEncoded {
  encoding: 'jpeg' | 'lossless';
  data: Buffer;
}

export interface NativeMonitor {
  index: number;
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
  primary: boolean;
}

export interface NativeCapture {
  paused: boolean;
  reason?: string;
  /** False when XDamage reported nothing drawn, so no grab was made. */
  grabbed: boolean;
  width: number;
  height: number;
  /** Absent when framed (a session id was passed): then `frames` and `tileCount`. */
  tiles?: (NativeEncoded & { x: number; y: number; w: number; h: number })[];
  /** Version-1 media frames back to back: screen info (full), one per tile, end of frame (when tiles). */
  frames?: Buffer;
  tileCount?: number;
  /** Hotspot position relative to the monitor; the image only when it changed (or `full`). */
  cursor?: { x: number; y: number; onMonitor: boolean; width?: number; height?: number; xhot?: number; yhot?: number; serial?: number; image?: Buffer };
  ms: { grab: number; diff: number; encode: number };
}

export interface NativeX11Screen {
  features(): { shm: boolean; damage: boolean; fixes: boolean; randr: boolean; xtest: boolean; motion: boolean };
  monitors(): NativeMonitor[];
  capture(monitor: number, full: boolean, quality: number, mode: string, tile: number, path: string, forceGrab?: boolean, mergeRun?: number, sessionId?: string, frameSeq?: number, timestamp?: number): Promise<NativeCapture>;
  /** Calls onEvent once when the capture connection has something to read; false when it cannot watch. */
  watch(onEvent: () => void): boolean;
  move(monitor: number, x: number, y: number): void;
  button(button: number, down: boolean): void;
  wheel(dx: number, dy: number): void;
  key(keysym: number, down: boolean): void;
  text(text: string): void;
  pointer(): { x: number; y: number };
  paint(x: number, y: number, w: number, h: number, rgb: number): void;
  overlay(monitor: number, pointers: { x: number; y: number; label: string; rgb: number }[], strokes: { points: number[]; rgb: number; width: number }[]): void;
  lost(): boolean;
  close(): void;
}

export interface NativeX11Clipboard {
  /** A string for "text/plain", a Buffer (the PNG file) for "image/png". */
  set(content: string | Buffer, mime: 'text/plain' | 'image/png'): void;
  stop(): void;
}

export interface NativeInputBlockStatus {
  blocked: boolean;
  /** The names of the devices held now. */
  devices: string[];
}

export interface NativeX11InputBlock {
  block(): NativeInputBlockStatus;
  release(): void;
  status(): NativeInputBlockStatus;
  stop(): void;
}

/** Test-only: a second input device (the XTEST slaves of an extra master pair). */
export interface NativeX11TestDevice {
  move(x: number, y: number): void;
  button(button: number, down: boolean): void;
  key(keysym: number, down: boolean): void;
  close(): void;
}

export interface NativeBinding {
  X11Screen: new (display: string) => NativeX11Screen;
  /** `onChange` runs on the JS thread when another client put text (a string) or a PNG image (a Buffer) in CLIPBOARD. */
  X11Clipboard: new (
    display: string,
    maxBytes: number,
    onChange: (content: string | Buffer, mime: 'text/plain' | 'image/png', selection: string) => void,
  ) => NativeX11Clipboard;
  /** `onEvent` runs on the JS thread: ('released', 'emergency-key' | 'display-lost') or ('grabbed', device name). */
  X11InputBlock: new (display: string, onEvent: (kind: string, detail: string) => void) => NativeX11InputBlock;
  X11TestDevice: new (display: string, name: string) => NativeX11TestDevice;
  simdPaths(): { supported: ('portable' | 'sse2' | 'avx2')[]; auto: 'portable' | 'sse2' | 'avx2' };
  /** Flat [x, y, w, h, ...] of dirty tiles, row-major. */
  diffTiles(
    prev: Uint8Array,
    next: Uint8Array,
    width: number,
    height: number,
    stride: number,
    tile: number,
    merge: boolean,
    path: string,
  ): Uint32Array;
  encodeTile(
    frame: Uint8Array,
    width: number,
    height: number,
    stride: number,
    x: number,
    y: number,
    w: number,
    h: number,
    quality: number,
    mode: string,
  ): NativeEncoded;
  /** `rects` is flat [x, y, w, h, ...]. The pixels are copied before the call returns. */
  encodeTiles(
    frame: Uint8Array,
    width: number,
    height: number,
    stride: number,
    rects: Uint32Array,
    quality: number,
    mode: string,
  ): Promise<NativeEncoded[]>;
  /** Writes into `out` (and returns it) when given; otherwise allocates. */
  bgraToI420<O extends Uint8Array = Buffer>(frame: Uint8Array, width: number, height: number, stride: number, out?: O): O;
  /** The frame is copied before the call returns; `out` is written on the worker thread. */
  bgraToI420Async<O extends Uint8Array = Buffer>(frame: Uint8Array, width: number, height: number, stride: number, out?: O): Promise<O>;
  decodeJpeg(jpeg: Uint8Array): { width: number; height: number; data: Buffer };
  lossless: { autoMaxColors: number; maxPaletteColors: number };
}
