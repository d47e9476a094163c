import * as fc from 'fast-check';
import { inflateSync } from 'node:zlib';
import {
  addonPath,
  bgraToI420,
  bgraToI420Async,
  decodeJpeg,
  diffTiles,
  encodeTile,
  encodeTiles,
  i420Size,
  NativeArgumentError,
  NativeError,
  simdPaths,
  type BgraFrame,
  type SimdPath,
  type TileRect,
} from './index';
import { decodeLossless } from './lossless-codec';

// ---- helpers -----------------------------------------------------------------------------------

/** Deterministic xorshift32 so fast-check's seed fully determines a frame. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function noiseFrame(width: number, height: number, stride: number, seed: number): Buffer {
  const next = rng(seed);
  const buf = Buffer.alloc(stride * height);
  for (let i = 0; i < buf.length; i++) buf[i] = next() & 0xff;
  return buf;
}

/** A UI-like tile: a background, a border and some "text" strokes in 3 colours. */
function fewColourFrame(width: number, height: number): BgraFrame {
  const data = Buffer.alloc(width * height * 4);
  const colours = [
    [0xf0, 0xf0, 0xf0, 0xff],
    [0x20, 0x20, 0x20, 0xff],
    [0xd0, 0x60, 0x10, 0xff],
  ];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = x === 0 || y === 0 ? colours[2] : (x * 7 + y * 3) % 11 < 2 && y % 8 < 6 ? colours[1] : colours[0];
      data.set(c, (y * width + x) * 4);
    }
  }
  return { data, width, height };
}

function gradientFrame(width: number, height: number): BgraFrame {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      data[o] = (x * 255) / width;
      data[o + 1] = (y * 255) / height;
      data[o + 2] = ((x + y) * 127) / (width + height) + 64;
      data[o + 3] = 0xff;
    }
  }
  return { data, width, height };
}

/** Straightforward reference: a tile is dirty when any byte of its pixels (not padding) differs. */
function referenceDiff(a: Uint8Array, b: Uint8Array, w: number, h: number, stride: number, tile: number, merge: boolean): TileRect[] {
  const out: TileRect[] = [];
  for (let ty = 0; ty < h; ty += tile) {
    const th = Math.min(tile, h - ty);
    const dirty: boolean[] = [];
    for (let tx = 0; tx < w; tx += tile) {
      const tw = Math.min(tile, w - tx);
      let d = false;
      for (let y = ty; y < ty + th && !d; y++) {
        for (let i = y * stride + tx * 4; i < y * stride + (tx + tw) * 4; i++) {
          if (a[i] !== b[i]) {
            d = true;
            break;
          }
        }
      }
      dirty.push(d);
    }
    for (let c = 0; c < dirty.length; c++) {
      if (!dirty[c]) continue;
      let end = c + 1;
      if (merge) while (end < dirty.length && dirty[end]) end++;
      out.push({ x: c * tile, y: ty, w: Math.min(end * tile, w) - c * tile, h: th });
      c = end - 1;
    }
  }
  return out;
}

function refI420(f: BgraFrame): Uint8Array {
  const { width: w, height: h, data } = f;
  const stride = f.stride ?? w * 4;
  const cw = Math.ceil(w / 2);
  const ch = Math.ceil(h / 2);
  const out = new Uint8Array(w * h + 2 * cw * ch);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = y * stride + x * 4;
      const [b, g, r] = [data[o], data[o + 1], data[o + 2]];
      out[y * w + x] = Math.round(0.2568 * r + 0.5041 * g + 0.0979 * b + 16);
    }
  }
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      let b = 0;
      let g = 0;
      let r = 0;
      let n = 0;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const x = cx * 2 + dx;
          const y = cy * 2 + dy;
          if (x >= w || y >= h) continue;
          const o = y * stride + x * 4;
          b += data[o];
          g += data[o + 1];
          r += data[o + 2];
          n++;
        }
      }
      b /= n;
      g /= n;
      r /= n;
      out[w * h + cy * cw + cx] = Math.round(-0.1482 * r - 0.291 * g + 0.4392 * b + 128);
      out[w * h + cw * ch + cy * cw + cx] = Math.round(0.4392 * r - 0.3678 * g - 0.0714 * b + 128);
    }
  }
  return out;
}

function cropBgra(f: BgraFrame, r: TileRect): Uint8Array {
  const stride = f.stride ?? f.width * 4;
  const out = new Uint8Array(r.w * r.h * 4);
  for (let y = 0; y < r.h; y++) out.set(f.data.subarray((r.y + y) * stride + r.x * 4, (r.y + y) * stride + (r.x + r.w) * 4), y * r.w * 4);
  return out;
}

function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  // The addon's errors come from Node's realm, not jest's sandbox, so no instanceof here.
  expect(caught).toMatchObject({ code, message: expect.any(String) });
}

const paths = simdPaths();

// ---- diff --------------------------------------------------------------------------------------

describe('simdPaths', () => {
  it('always offers portable and resolves auto to a supported path', () => {
    expect(paths.supported[0]).toBe('portable');
    expect(paths.supported).toContain(paths.auto);
  });
});

describe('diffTiles', () => {
  it('all SIMD paths agree with each other and with a JS reference on random frames and changes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 160 }),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom(8, 16, 33, 64, 100),
        fc.boolean(),
        fc.integer(),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 255 })), { maxLength: 40 }),
        (w, h, pad, tile, merge, seed, changes) => {
          const stride = w * 4 + pad;
          const prev = noiseFrame(w, h, stride, seed);
          const next = Buffer.from(prev);
          for (const [px, py, ch, delta] of changes) {
            const i = (py % h) * stride + (px % w) * 4 + ch;
            next[i] = (next[i] + delta) & 0xff;
          }
          // Padding bytes differ too: they must never mark a tile.
          for (let y = 0; y < h; y++) for (let p = 0; p < pad; p++) next[y * stride + w * 4 + p] ^= 0x5a;
          const expected = referenceDiff(prev, next, w, h, stride, tile, merge);
          for (const path of ['auto', ...paths.supported] as SimdPath[]) {
            expect(diffTiles(prev, next, w, h, stride, { tileSize: tile, merge, path })).toEqual(expected);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('returns no tiles for identical frames', () => {
    const f = noiseFrame(1920, 1080, 1920 * 4, 7);
    for (const path of paths.supported) expect(diffTiles(f, Buffer.from(f), 1920, 1080, 1920 * 4, { path })).toEqual([]);
  });

  it('marks exactly the tile holding a one-pixel change', () => {
    const a = noiseFrame(1920, 1080, 1920 * 4, 11);
    for (const [x, y] of [
      [700, 500],
      [0, 0],
      [1919, 1079],
      [63, 64],
    ]) {
      const b = Buffer.from(a);
      b[(y * 1920 + x) * 4 + 3] ^= 1; // alpha only: still a change
      for (const path of paths.supported) {
        expect(diffTiles(a, b, 1920, 1080, 1920 * 4, { path })).toEqual([
          { x: Math.floor(x / 64) * 64, y: Math.floor(y / 64) * 64, w: 64, h: y >= 1024 ? 1080 - 1024 : 64 },
        ]);
      }
    }
  });

  it('clips edge tiles when the frame is not a multiple of the tile size', () => {
    const a = Buffer.alloc(130 * 70 * 4);
    const b = Buffer.alloc(130 * 70 * 4, 1);
    expect(diffTiles(a, b, 130, 70, 520)).toEqual([
      { x: 0, y: 0, w: 64, h: 64 },
      { x: 64, y: 0, w: 64, h: 64 },
      { x: 128, y: 0, w: 2, h: 64 },
      { x: 0, y: 64, w: 64, h: 6 },
      { x: 64, y: 64, w: 64, h: 6 },
      { x: 128, y: 64, w: 2, h: 6 },
    ]);
    expect(diffTiles(a, b, 130, 70, 520, { merge: true })).toEqual([
      { x: 0, y: 0, w: 130, h: 64 },
      { x: 0, y: 64, w: 130, h: 6 },
    ]);
  });
});

// ---- encode ------------------------------------------------------------------------------------

describe('encodeTile', () => {
  it('JPEG round-trips through decodeJpeg within a tolerance', () => {
    const f = gradientFrame(200, 150);
    const rect = { x: 10, y: 20, w: 64, h: 50 };
    const e = encodeTile(f, rect, { quality: 90, mode: 'jpeg' });
    expect(e.encoding).toBe('jpeg');
    expect(e.data.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const d = decodeJpeg(e.data);
    expect([d.width, d.height]).toEqual([64, 50]);
    const src = cropBgra(f, rect);
    let sum = 0;
    let max = 0;
    for (let i = 0; i < src.length; i++) {
      if (i % 4 === 3) continue;
      const err = Math.abs(src[i] - d.data[i]);
      sum += err;
      max = Math.max(max, err);
    }
    expect(sum / ((src.length * 3) / 4)).toBeLessThan(3);
    expect(max).toBeLessThan(24);
  });

  it('lossless round-trips exactly (palette) per the documented layout', () => {
    const f = fewColourFrame(100, 90);
    const padded = Buffer.alloc(100 * 4 * 90 + 90 * 12);
    for (let y = 0; y < 90; y++) padded.set(f.data.subarray(y * 400, y * 400 + 400), y * 412); // stride 412
    const frame = { data: padded, width: 100, height: 90, stride: 412 };
    const rect = { x: 0, y: 5, w: 64, h: 64 }; // includes the border column: 3 colours
    const e = encodeTile(frame, rect, { mode: 'lossless' });
    expect(e.encoding).toBe('lossless');
    expect(e.data[0]).toBe(3);
    const d = decodeLossless(e.data, rect.w, rect.h, inflateSync);
    expect(d).toEqual({ ok: true, bgra: expect.anything() });
    expect(Buffer.from((d as { bgra: Uint8Array }).bgra)).toEqual(Buffer.from(cropBgra(frame, rect)));
  });

  it('lossless round-trips exactly (raw, palette size 0) when forced on noise', () => {
    const frame = { data: noiseFrame(80, 80, 320, 3), width: 80, height: 80 };
    const rect = { x: 16, y: 16, w: 64, h: 64 };
    const e = encodeTile(frame, rect, { mode: 'lossless' });
    expect(e.data[0]).toBe(0);
    const d = decodeLossless(e.data, rect.w, rect.h, inflateSync);
    expect(Buffer.from((d as { bgra: Uint8Array }).bgra)).toEqual(Buffer.from(cropBgra(frame, rect)));
  });

  it('auto picks lossless for few-colour tiles and JPEG for photo-like noise', () => {
    const rect = { x: 0, y: 0, w: 64, h: 64 };
    expect(encodeTile(fewColourFrame(64, 64), rect).encoding).toBe('lossless');
    expect(encodeTile({ data: noiseFrame(64, 64, 256, 5), width: 64, height: 64 }, rect).encoding).toBe('jpeg');
    expect(encodeTile(gradientFrame(64, 64), rect).encoding).toBe('jpeg');
    // Exactly 16 colours is still lossless; 17 is not.
    const sixteen = Buffer.alloc(64 * 64 * 4);
    for (let i = 0; i < 64 * 64; i++) sixteen.writeUInt32LE((0xff000000 | (i % 16)) >>> 0, i * 4);
    expect(encodeTile({ data: sixteen, width: 64, height: 64 }, rect).encoding).toBe('lossless');
    sixteen.writeUInt32LE(0xff0000ff, 0);
    expect(encodeTile({ data: sixteen, width: 64, height: 64 }, rect).encoding).toBe('jpeg');
  });

  it('encodeTiles (async, optionally parallel) gives the same bytes as encodeTile, in order', async () => {
    const f = { data: noiseFrame(300, 200, 1200, 9), width: 300, height: 200 };
    f.data.set(fewColourFrame(64, 64).data.subarray(0, 256), 0); // row 0 of tile 0: still noisy below
    const ui = fewColourFrame(300, 200);
    const rects: TileRect[] = [
      { x: 0, y: 0, w: 64, h: 64 },
      { x: 256, y: 128, w: 44, h: 64 },
      { x: 64, y: 192, w: 192, h: 8 },
    ];
    for (const frame of [f, ui]) {
      const sync = rects.map((r) => encodeTile(frame, r, { quality: 70 }));
      for (const parallel of [1, 2, 3]) {
        const got = await encodeTiles(frame, rects, { quality: 70, parallel });
        expect(got.map((t) => ({ x: t.x, y: t.y, w: t.w, h: t.h }))).toEqual(rects);
        expect(got.map((t) => [t.encoding, t.data])).toEqual(sync.map((t) => [t.encoding, t.data]));
      }
    }
    await expect(encodeTiles(f, [])).resolves.toEqual([]);
  });

  it('encodeTiles copies the pixels: mutating the frame after the call does not change the result', async () => {
    const frame = fewColourFrame(64, 64);
    const expected = encodeTile(frame, { x: 0, y: 0, w: 64, h: 64 });
    const p = encodeTiles(frame, [{ x: 0, y: 0, w: 64, h: 64 }]);
    frame.data.fill(0x33);
    const [got] = await p;
    expect(got.data).toEqual(expected.data);
  });
});

// ---- I420 --------------------------------------------------------------------------------------

describe('bgraToI420', () => {
  it.each([
    [64, 48, 0],
    [33, 17, 12],
    [1, 1, 0],
    [2, 3, 4],
  ])('matches a JS BT.601 reference within ±1 (%ix%i, padding %i)', async (w, h, pad) => {
    const stride = w * 4 + pad;
    const frame = { data: noiseFrame(w, h, stride, w * 31 + h), width: w, height: h, stride };
    const got = bgraToI420(frame);
    const ref = refI420(frame);
    expect(got.data.length).toBe(ref.length);
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - ref[i]));
    expect(worst).toBeLessThanOrEqual(1);
    expect(got.strideUV).toBe(Math.ceil(w / 2));
    expect(got.y.length + got.u.length + got.v.length).toBe(ref.length);
    expect((await bgraToI420Async(frame)).data).toEqual(got.data);
    // Into caller memory, sync and async: same bytes, same memory handed back.
    const out = Buffer.alloc(i420Size(w, h) + 7, 0xee);
    expect(bgraToI420(frame, out).data).toBe(out);
    expect(out.subarray(0, ref.length)).toEqual(got.data);
    out.fill(0);
    expect((await bgraToI420Async(frame, out)).data).toBe(out);
    expect(out.subarray(0, ref.length)).toEqual(got.data);
  });

  it('maps white, black and pure colours to the limited-range values', () => {
    const px = (b: number, g: number, r: number) => bgraToI420({ data: Buffer.from([b, g, r, 255, b, g, r, 255, b, g, r, 255, b, g, r, 255]), width: 2, height: 2 });
    expect([...px(255, 255, 255).data]).toEqual([235, 235, 235, 235, 128, 128]);
    expect([...px(0, 0, 0).data]).toEqual([16, 16, 16, 16, 128, 128]);
    const blue = px(255, 0, 0).data;
    expect(blue[4]).toBe(240);
  });

  it('handles a 1080p frame asynchronously', async () => {
    const frame = { data: noiseFrame(1920, 1080, 7680, 1), width: 1920, height: 1080 };
    const i420 = await bgraToI420Async(frame);
    expect(i420.data.length).toBe(1920 * 1080 * 1.5);
  });
});

// ---- validation --------------------------------------------------------------------------------

describe('argument validation', () => {
  const f = { data: Buffer.alloc(64 * 64 * 4), width: 64, height: 64 };

  it('throws INVALID_ARGUMENT naming the argument, in TS, before C++', () => {
    const cases: [() => unknown, string][] = [
      [() => diffTiles('x' as never, f.data, 64, 64, 256), 'prev'],
      [() => diffTiles(f.data, f.data, 0, 64, 256), 'width'],
      [() => diffTiles(f.data, f.data, 64, 64.5, 256), 'height'],
      [() => diffTiles(f.data, f.data, 64, 64, 200), 'stride'],
      [() => diffTiles(f.data, Buffer.alloc(10), 64, 64, 256), 'next'],
      [() => diffTiles(f.data.subarray(1), f.data, 64, 64, 256), 'data'],
      [() => diffTiles(f.data, f.data, 64, 64, 256, { path: 'neon' as never }), 'opts.path'],
      [() => diffTiles(f.data, f.data, 64, 64, 256, { tileSize: 0 }), 'opts.tileSize'],
      [() => diffTiles(f.data, f.data, 64, 64, 256, { bogus: 1 } as never), 'opts.bogus'],
      [() => encodeTile(f, { x: 1, y: 0, w: 64, h: 64 }), 'rect.w'],
      [() => encodeTile(f, { x: 0, y: 64, w: 1, h: 1 }), 'rect.y'],
      [() => encodeTile(f, { x: 0, y: 0, w: 8, h: 8 }, { quality: 101 }), 'opts.quality'],
      [() => encodeTile(f, { x: 0, y: 0, w: 8, h: 8 }, { mode: 'png' as never }), 'opts.mode'],
      [() => encodeTile({ ...f, data: Buffer.alloc(100) }, { x: 0, y: 0, w: 8, h: 8 }), 'frame.data'],
      [() => encodeTile(null as never, { x: 0, y: 0, w: 8, h: 8 }), 'frame'],
      [() => bgraToI420({ ...f, stride: 1 << 21 }), 'frame.stride'],
      [() => bgraToI420(f, Buffer.alloc(10)), 'out'],
      [() => decodeJpeg(Buffer.alloc(0)), 'jpeg'],
    ];
    for (const [fn, argument] of cases) {
      let caught: unknown;
      try {
        fn();
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(NativeArgumentError);
      expect(caught).toBeInstanceOf(TypeError);
      expect((caught as NativeArgumentError).code).toBe('INVALID_ARGUMENT');
      expect((caught as NativeArgumentError).argument).toBe(argument);
    }
  });

  it('rejects encodeTiles with bad rects or options', async () => {
    await expect(encodeTiles(f, [{ x: 0, y: 0, w: 65, h: 1 }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'rects[0].w' });
    await expect(encodeTiles(f, 'nope' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'rects' });
    await expect(encodeTiles(f, [], { parallel: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('reports a corrupt JPEG as INVALID_ARGUMENT from C++ with the JS stack', () => {
    let caught: unknown;
    try {
      decodeJpeg(Buffer.from('definitely not a jpeg'));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NativeError);
    expect((caught as NativeError).code).toBe('INVALID_ARGUMENT');
    expect((caught as Error).stack).toContain('native.spec');
  });

  it('the C++ layer checks memory safety on its own when called raw, and never crashes', async () => {
    // Deliberately bypasses the TS validation to prove the C++ checks: only this spec does this.
    const raw = require(addonPath());
    const small = Buffer.alloc(16);
    expectCode(() => raw.diffTiles(small, small, 64, 64, 256, 64, false, 'auto'), 'INVALID_ARGUMENT');
    expectCode(() => raw.diffTiles(f.data, small, 64, 64, 256, 64, false, 'auto'), 'INVALID_ARGUMENT');
    expectCode(() => raw.diffTiles(f.data, f.data, 64, 64, 256, 64, false, 'neon'), 'INVALID_ARGUMENT');
    expectCode(() => raw.diffTiles(f.data, f.data, 64, 64, 8, 64, false, 'auto'), 'INVALID_ARGUMENT');
    expectCode(() => raw.diffTiles(), 'INVALID_ARGUMENT');
    expectCode(() => raw.encodeTile(f.data, 64, 64, 256, 60, 0, 8, 8, 80, 'auto'), 'INVALID_ARGUMENT');
    expectCode(() => raw.encodeTile(f.data, 64, 64, 256, 0, 0, 8, 8, 0, 'auto'), 'INVALID_ARGUMENT');
    expectCode(() => raw.encodeTile(f.data, 64, 64, 256, -1, 0, 8, 8, 80, 'auto'), 'INVALID_ARGUMENT');
    expectCode(() => raw.encodeTile(f.data, 1e10, 64, 256, 0, 0, 8, 8, 80, 'auto'), 'INVALID_ARGUMENT');
    expectCode(() => raw.encodeTiles(f.data, 64, 64, 256, new Uint32Array([0, 0, 65, 1]), 80, 'auto'), 'INVALID_ARGUMENT');
    expectCode(() => raw.encodeTiles(f.data, 64, 64, 256, [0, 0, 8, 8], 80, 'auto'), 'INVALID_ARGUMENT');
    expectCode(() => raw.bgraToI420(small, 64, 64, 256), 'INVALID_ARGUMENT');
    expectCode(() => raw.bgraToI420(f.data, 64, 64, 256, small), 'INVALID_ARGUMENT');
    expectCode(() => raw.bgraToI420Async(f.data, 64, 64, 256, 'x'), 'INVALID_ARGUMENT');
    expectCode(() => raw.bgraToI420Async(new Float32Array(4096), 64, 64, 256), 'INVALID_ARGUMENT');
    expectCode(() => raw.decodeJpeg(Buffer.from([0xff, 0xd8, 0xff])), 'INVALID_ARGUMENT');
    // The process is still healthy: a real call works afterwards.
    expect(await raw.encodeTiles(f.data, 64, 64, 256, new Uint32Array([0, 0, 8, 8]), 80, 'auto')).toHaveLength(1);
  });
});

describe('loader', () => {
  it('says how to build the addon when the .node file is missing', () => {
    const saved = process.env.TANDEM_NATIVE_ADDON;
    process.env.TANDEM_NATIVE_ADDON = '/nonexistent/tandem_native.node';
    try {
      jest.isolateModules(() => {
        const fresh = require('./index') as typeof import('./index');
        expect(fresh.nativeAvailable()).toBe(false);
        expect(() => fresh.simdPaths()).toThrow(/npm run setup.*build-native\.sh/);
      });
    } finally {
      if (saved === undefined) delete process.env.TANDEM_NATIVE_ADDON;
      else process.env.TANDEM_NATIVE_ADDON = saved;
    }
  });
});
