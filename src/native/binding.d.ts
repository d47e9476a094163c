/**
 * The raw shape of build/Release/tandem_native.node (native/src/addon.cc). Only src/native/index.ts
 * uses it; everything else goes through the validated wrappers there. Every function throws (or
 * rejects with) an Error whose `code` is 'INVALID_ARGUMENT' or 'NATIVE_FAILURE'.
 */
export interface NativeEncoded {
  encoding: 'jpeg' | 'lossless';
  data: Buffer;
}

export interface NativeBinding {
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
