/**
 * The one door to the native addon (build/Release/tandem_native.node, built from native/src by
 * scripts/build-native.sh). Nothing else in src/ may load the .node file (eslint enforces it).
 *
 * Every wrapper validates all of its arguments here, in TS, and throws a `NativeArgumentError`
 * (a TypeError with `code: 'INVALID_ARGUMENT'` naming the argument) before anything crosses into
 * C++. The C++ side re-checks only memory safety. Errors coming back from C++ are rethrown as
 * `NativeError` with the caller's JS stack. The addon holds no policy: see docs/native.md.
 *
 * Frames are BGRA, 4 bytes per pixel, rows `stride` bytes apart (stride >= width * 4). The last
 * row does not need its padding: a frame needs stride * (height - 1) + width * 4 bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NativeBinding, NativeEncoded } from './binding';

export type NativeErrorCode = 'INVALID_ARGUMENT' | 'NATIVE_FAILURE' | 'DISPLAY_UNAVAILABLE' | 'DISPLAY_LOST' | 'UNSUPPORTED' | 'CLOSED' | 'GRAB_FAILED';
const CODES: readonly string[] = ['INVALID_ARGUMENT', 'NATIVE_FAILURE', 'DISPLAY_UNAVAILABLE', 'DISPLAY_LOST', 'UNSUPPORTED', 'CLOSED', 'GRAB_FAILED'];
export type SimdPath = 'auto' | 'portable' | 'sse2' | 'avx2';
export type EncodeMode = 'auto' | 'jpeg' | 'lossless';
export type TileEncoding = 'jpeg' | 'lossless';

/** A failure reported by the native core (or the addon could not be loaded). */
export class NativeError extends Error {
  readonly code: NativeErrorCode;
  constructor(code: NativeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NativeError';
    this.code = code;
  }
}

/** An argument failed validation in TS; nothing reached C++. */
export class NativeArgumentError extends TypeError {
  readonly code = 'INVALID_ARGUMENT' as const;
  readonly argument: string;
  constructor(argument: string, message: string) {
    super(`${argument}: ${message}`);
    this.name = 'NativeArgumentError';
    this.argument = argument;
  }
}

export interface BgraFrame {
  data: Uint8Array;
  width: number;
  height: number;
  /** Bytes between rows; defaults to width * 4. */
  stride?: number;
}

export interface TileRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface DiffOptions {
  /** Tile edge in pixels (default 64). */
  tileSize?: number;
  /** Merge horizontally adjacent dirty tiles of one tile row into one rectangle (default false). */
  merge?: boolean;
  /** Force a compare kernel (default 'auto': the best this CPU supports). */
  path?: SimdPath;
}

export interface EncodeOptions {
  /** JPEG quality 1-100 (default 80). Ignored by lossless tiles. */
  quality?: number;
  /** 'auto' (default) picks lossless for tiles with at most 16 colours, JPEG otherwise. */
  mode?: EncodeMode;
}

export interface EncodeTilesOptions extends EncodeOptions {
  /**
   * Split the rects over this many libuv worker jobs that run in parallel (default 1). The libuv
   * pool is shared with fs/dns/crypto and has 4 threads unless UV_THREADPOOL_SIZE says otherwise.
   */
  parallel?: number;
}

export interface EncodedTile extends TileRect {
  encoding: TileEncoding;
  data: Buffer;
}

export interface I420Frame {
  width: number;
  height: number;
  /** Y, U, V planes back to back (one allocation); y/u/v below are views into it. */
  data: Buffer;
  y: Buffer;
  u: Buffer;
  v: Buffer;
  /** Bytes per row of Y (= width) and of U and V (= ceil(width / 2)). */
  strideY: number;
  strideUV: number;
  /** Rows of U and V (= ceil(height / 2)). */
  chromaHeight: number;
}

export interface SimdInfo {
  /** Kernels this CPU can run, 'portable' first. */
  supported: Exclude<SimdPath, 'auto'>[];
  /** What 'auto' resolves to. */
  auto: Exclude<SimdPath, 'auto'>;
}

// Limits shared with native/src/addon.cc (kMaxDim, kMaxStride).
export const MAX_DIMENSION = 32768;
export const MAX_STRIDE = 1 << 20;
export const DEFAULT_TILE_SIZE = 64;
export const DEFAULT_QUALITY = 80;
const SIMD_PATHS: readonly SimdPath[] = ['auto', 'portable', 'sse2', 'avx2'];
const MODES: readonly EncodeMode[] = ['auto', 'jpeg', 'lossless'];

// ---- loading -----------------------------------------------------------------------------------

const ADDON_RELATIVE = path.join('build', 'Release', 'tandem_native.node');
let cached: NativeBinding | undefined;

/**
 * The repository root: the nearest directory above this file holding package.json. Works from
 * src/native (ts-jest), dist/native (compiled) and anything deeper.
 */
function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** Where the addon is loaded from; TANDEM_NATIVE_ADDON overrides (e.g. a debug build). */
export function addonPath(): string {
  return process.env.TANDEM_NATIVE_ADDON ?? path.join(repoRoot(), ADDON_RELATIVE);
}

function binding(): NativeBinding {
  if (cached) return cached;
  const file = addonPath();
  if (!fs.existsSync(file)) {
    throw new NativeError(
      'NATIVE_FAILURE',
      `the native addon is not built: ${file} is missing. Run \`npm run setup\` (or \`bash scripts/build-native.sh\`) first.`,
    );
  }
  try {
    cached = require(file) as NativeBinding;
  } catch (err) {
    throw new NativeError(
      'NATIVE_FAILURE',
      `the native addon at ${file} failed to load (${(err as Error).message}). ` +
        'Rebuild it with `FORCE=1 bash scripts/build-native.sh`; check that libturbojpeg0 and zlib1g are installed.',
      { cause: err },
    );
  }
  return cached;
}

/** True when the addon is built and loads; never throws. */
export function nativeAvailable(): boolean {
  try {
    binding();
    return true;
  } catch {
    return false;
  }
}

// ---- errors from C++ ---------------------------------------------------------------------------

function rethrow(err: unknown, stackFrom?: Error): never {
  if (err instanceof NativeError || err instanceof NativeArgumentError) throw err;
  const e = err as { code?: unknown; message?: unknown };
  const code = (typeof e?.code === 'string' && CODES.includes(e.code) ? e.code : 'NATIVE_FAILURE') as NativeErrorCode;
  const wrapped = new NativeError(code, typeof e?.message === 'string' ? e.message : String(err), { cause: err });
  if (stackFrom?.stack) wrapped.stack = `NativeError: ${wrapped.message}\n${stackFrom.stack.split('\n').slice(1).join('\n')}`;
  throw wrapped;
}

/** For the wrappers in src/native only (x11.ts): runs `fn` against the addon, mapping its errors. */
export function call<T>(fn: (b: NativeBinding) => T): T {
  const b = binding();
  try {
    return fn(b);
  } catch (err) {
    rethrow(err);
  }
}

/** Like `call`, for promise-returning addon functions; errors keep the caller's stack. */
export async function callAsync<T>(fn: (b: NativeBinding) => Promise<T>): Promise<T> {
  const site = new Error(); // the caller's stack; the rejection itself comes from a libuv callback
  const b = binding();
  let p: Promise<T>;
  try {
    p = fn(b);
  } catch (err) {
    rethrow(err, site);
  }
  try {
    return await p;
  } catch (err) {
    rethrow(err, site);
  }
}

// ---- validation --------------------------------------------------------------------------------

function checkBytes(name: string, v: unknown): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array)) throw new NativeArgumentError(name, 'must be a Buffer or Uint8Array');
}

export function checkInt(name: string, v: unknown, min: number, max: number): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new NativeArgumentError(name, `must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
}

function checkOptions(name: string, v: unknown, keys: readonly string[]): Record<string, unknown> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new NativeArgumentError(name, 'must be an object');
  for (const k of Object.keys(v)) {
    if (!keys.includes(k)) throw new NativeArgumentError(`${name}.${k}`, 'is not a known option');
  }
  return v as Record<string, unknown>;
}

function frameBytes(width: number, height: number, stride: number): number {
  return stride * (height - 1) + width * 4;
}

interface Geometry {
  width: number;
  height: number;
  stride: number;
}

function checkGeometry(prefix: string, data: Uint8Array, width: unknown, height: unknown, stride: unknown): Geometry {
  checkInt(`${prefix}width`, width, 1, MAX_DIMENSION);
  checkInt(`${prefix}height`, height, 1, MAX_DIMENSION);
  const s = stride === undefined ? width * 4 : stride;
  checkInt(`${prefix}stride`, s, width * 4, MAX_STRIDE);
  const need = frameBytes(width, height, s);
  if (data.byteLength < need) {
    throw new NativeArgumentError(`${prefix}data`, `is ${data.byteLength} bytes; a ${width}x${height} frame with stride ${s} needs ${need}`);
  }
  return { width, height, stride: s };
}

function checkFrame(name: string, frame: unknown): Geometry & { data: Uint8Array } {
  if (frame === null || typeof frame !== 'object') throw new NativeArgumentError(name, 'must be { data, width, height, stride? }');
  const f = frame as Record<string, unknown>;
  checkBytes(`${name}.data`, f.data);
  return { data: f.data, ...checkGeometry(`${name}.`, f.data, f.width, f.height, f.stride) };
}

function checkRect(name: string, r: unknown, g: Geometry): TileRect {
  if (r === null || typeof r !== 'object') throw new NativeArgumentError(name, 'must be { x, y, w, h }');
  const { x, y, w, h } = r as Record<string, unknown>;
  checkInt(`${name}.x`, x, 0, g.width - 1);
  checkInt(`${name}.y`, y, 0, g.height - 1);
  checkInt(`${name}.w`, w, 1, g.width - x);
  checkInt(`${name}.h`, h, 1, g.height - y);
  return { x, y, w, h };
}

function checkEncodeOptions(name: string, opts: unknown, extra: readonly string[] = []): Required<EncodeOptions> & Record<string, unknown> {
  const o = checkOptions(name, opts, ['quality', 'mode', ...extra]);
  const quality = o.quality ?? DEFAULT_QUALITY;
  checkInt(`${name}.quality`, quality, 1, 100);
  const mode = o.mode ?? 'auto';
  if (!MODES.includes(mode as EncodeMode)) throw new NativeArgumentError(`${name}.mode`, `must be one of ${MODES.join(', ')}`);
  return { ...o, quality, mode: mode as EncodeMode };
}

// ---- the surface -------------------------------------------------------------------------------

/** Which compare kernels this CPU runs, and what 'auto' picks. */
export function simdPaths(): SimdInfo {
  return call((b) => b.simdPaths());
}

/**
 * Dirty tiles between two frames of the same geometry, row-major; edge tiles are clipped to the
 * frame. With `merge`, adjacent dirty tiles of a tile row come back as one wider rectangle.
 */
export function diffTiles(
  prev: Uint8Array,
  next: Uint8Array,
  width: number,
  height: number,
  stride: number,
  opts?: DiffOptions,
): TileRect[] {
  checkBytes('prev', prev);
  checkBytes('next', next);
  const g = checkGeometry('', prev, width, height, stride);
  if (next.byteLength < frameBytes(g.width, g.height, g.stride)) {
    throw new NativeArgumentError('next', `is ${next.byteLength} bytes; the frame needs ${frameBytes(g.width, g.height, g.stride)}`);
  }
  const o = checkOptions('opts', opts, ['tileSize', 'merge', 'path']);
  const tile = o.tileSize ?? DEFAULT_TILE_SIZE;
  checkInt('opts.tileSize', tile, 1, 4096);
  const merge = o.merge ?? false;
  if (typeof merge !== 'boolean') throw new NativeArgumentError('opts.merge', 'must be a boolean');
  const simd = o.path ?? 'auto';
  if (!SIMD_PATHS.includes(simd as SimdPath)) throw new NativeArgumentError('opts.path', `must be one of ${SIMD_PATHS.join(', ')}`);
  const info = simdPaths();
  if (simd !== 'auto' && !info.supported.includes(simd as Exclude<SimdPath, 'auto'>)) {
    throw new NativeArgumentError('opts.path', `'${String(simd)}' is not supported by this CPU (supported: ${info.supported.join(', ')})`);
  }
  const flat = call((b) => b.diffTiles(prev, next, g.width, g.height, g.stride, tile, merge, simd as string));
  const out: TileRect[] = new Array(flat.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = { x: flat[i * 4], y: flat[i * 4 + 1], w: flat[i * 4 + 2], h: flat[i * 4 + 3] };
  return out;
}

/** Encodes one rectangle of a frame synchronously (fine for a few small tiles). */
export function encodeTile(frame: BgraFrame, rect: TileRect, opts?: EncodeOptions): { encoding: TileEncoding; data: Buffer } {
  const f = checkFrame('frame', frame);
  const r = checkRect('rect', rect, f);
  const o = checkEncodeOptions('opts', opts);
  const e: NativeEncoded = call((b) => b.encodeTile(f.data, f.width, f.height, f.stride, r.x, r.y, r.w, r.h, o.quality, o.mode));
  return { encoding: e.encoding, data: e.data };
}

/**
 * Encodes many rectangles on the libuv pool. The pixels are copied out of `frame` before this
 * returns, so the caller may reuse the frame buffer at once.
 */
export async function encodeTiles(frame: BgraFrame, rects: readonly TileRect[], opts?: EncodeTilesOptions): Promise<EncodedTile[]> {
  const f = checkFrame('frame', frame);
  if (!Array.isArray(rects)) throw new NativeArgumentError('rects', 'must be an array of { x, y, w, h }');
  const checked = rects.map((r, i) => checkRect(`rects[${i}]`, r, f));
  const o = checkEncodeOptions('opts', opts, ['parallel']);
  const parallel = o.parallel ?? 1;
  checkInt('opts.parallel', parallel, 1, 64);
  if (checked.length === 0) return [];

  const jobs = Math.min(parallel, checked.length);
  const per = Math.ceil(checked.length / jobs);
  const chunks: Promise<NativeEncoded[]>[] = [];
  for (let start = 0; start < checked.length; start += per) {
    const part = checked.slice(start, start + per);
    const flat = new Uint32Array(part.length * 4);
    part.forEach((r, i) => flat.set([r.x, r.y, r.w, r.h], i * 4));
    chunks.push(callAsync((b) => b.encodeTiles(f.data, f.width, f.height, f.stride, flat, o.quality, o.mode)));
  }
  const encoded = (await Promise.all(chunks)).flat();
  return encoded.map((e, i) => ({ ...checked[i], encoding: e.encoding, data: e.data }));
}

/** Bytes of an I420 frame: Y plus two quarter-size chroma planes (rounded up for odd sizes). */
export function i420Size(width: number, height: number): number {
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

function checkOut(out: unknown, g: Geometry): Buffer | undefined {
  if (out === undefined) return undefined;
  checkBytes('out', out);
  const need = i420Size(g.width, g.height);
  if (out.byteLength < need) throw new NativeArgumentError('out', `is ${out.byteLength} bytes; a ${g.width}x${g.height} I420 frame needs ${need}`);
  return Buffer.isBuffer(out) ? out : Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

function toI420(width: number, height: number, data: Buffer): I420Frame {
  const strideUV = Math.ceil(width / 2);
  const chromaHeight = Math.ceil(height / 2);
  const ySize = width * height;
  const cSize = strideUV * chromaHeight;
  return {
    width,
    height,
    data,
    y: data.subarray(0, ySize),
    u: data.subarray(ySize, ySize + cSize),
    v: data.subarray(ySize + cSize, ySize + 2 * cSize),
    strideY: width,
    strideUV,
    chromaHeight,
  };
}

/**
 * BGRA → I420 (BT.601 limited range) on the calling thread. Pass `out` (at least
 * i420Size(width, height) bytes, reused frame after frame) to avoid a multi-megabyte allocation per
 * call, which costs more than the conversion itself (docs/native.md).
 */
export function bgraToI420(frame: BgraFrame, out?: Uint8Array): I420Frame {
  const f = checkFrame('frame', frame);
  const o = checkOut(out, f);
  const data = call((b) => (o ? b.bgraToI420(f.data, f.width, f.height, f.stride, o) : b.bgraToI420(f.data, f.width, f.height, f.stride)));
  return toI420(f.width, f.height, data);
}

/**
 * BGRA → I420 on the libuv pool. The frame is copied before this returns; `out`, if given, is
 * written on the worker thread, so leave it alone until the promise settles (as with fs.read).
 */
export async function bgraToI420Async(frame: BgraFrame, out?: Uint8Array): Promise<I420Frame> {
  const f = checkFrame('frame', frame);
  const o = checkOut(out, f);
  const data = await callAsync((b) =>
    o ? b.bgraToI420Async(f.data, f.width, f.height, f.stride, o) : b.bgraToI420Async(f.data, f.width, f.height, f.stride),
  );
  return toI420(f.width, f.height, data);
}

/** JPEG → BGRA (stride width * 4). For tests and tools; the browser decodes JPEG itself. */
export function decodeJpeg(jpeg: Uint8Array): { width: number; height: number; data: Buffer } {
  checkBytes('jpeg', jpeg);
  if (jpeg.byteLength === 0) throw new NativeArgumentError('jpeg', 'is empty');
  return call((b) => b.decodeJpeg(jpeg));
}
