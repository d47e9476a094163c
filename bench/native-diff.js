#!/usr/bin/env node
// Native core throughput at 1x (one 1920x1080 monitor), each figure also as a ratio against a
// memcpy baseline (Buffer.prototype.copy of the same frame) measured in the same run, so numbers
// from different machines compare. No thresholds: this prints, it does not judge.
//
//   node bench/native-diff.js [--seconds 0.5] [--width 1920] [--height 1080]
//
// MB/s counts the BGRA input bytes of one frame (width * height * 4) per operation, the same
// bytes memcpy moves; for the diff that is one of its two input frames.
'use strict';

const path = require('node:path');
const fs = require('node:fs');

// The small path helper: the same file src/native/index.ts loads.
function loadAddon() {
  const file = process.env.TANDEM_NATIVE_ADDON || path.join(__dirname, '..', 'build', 'Release', 'tandem_native.node');
  if (!fs.existsSync(file)) {
    console.error(`native addon missing: ${file}\nbuild it: npm run setup (or bash scripts/build-native.sh)`);
    process.exit(1);
  }
  return require(file);
}

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const native = loadAddon();
const W = arg('width', 1920);
const H = arg('height', 1080);
const SECONDS = arg('seconds', 0.5);
const STRIDE = W * 4;
const FRAME = STRIDE * H;
const TILE = 64;

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

// A desktop-like frame: flat UI background with "text" strokes (few colours) on the left half,
// a smooth photo with mild noise on the right half.
function desktopFrame(seed) {
  const next = rng(seed);
  const buf = Buffer.alloc(FRAME);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = y * STRIDE + x * 4;
      if (x < W / 2) {
        const ink = (x * 7 + y * 3) % 11 < 2 && y % 16 < 10;
        const v = ink ? 0x20 : 0xf0;
        buf[o] = v;
        buf[o + 1] = v;
        buf[o + 2] = ink ? 0x20 : 0xf4;
      } else {
        const n = next() & 7;
        buf[o] = ((x * 255) / W + n) & 0xff;
        buf[o + 1] = ((y * 255) / H + n) & 0xff;
        buf[o + 2] = (((x + y) * 127) / (W + H) + 60 + n) & 0xff;
      }
      buf[o + 3] = 0xff;
    }
  }
  return buf;
}

const cols = Math.ceil(W / TILE);
const rows = Math.ceil(H / TILE);
const allRects = [];
for (let y = 0; y < H; y += TILE) for (let x = 0; x < W; x += TILE) allRects.push([x, y, Math.min(TILE, W - x), Math.min(TILE, H - y)]);

const prev = desktopFrame(1);
const next = Buffer.from(prev);
// ~5% dirty tiles, one changed pixel each at a random spot (the diff stops early in a dirty tile,
// so where the pixel sits matters; random is the honest middle).
const r = rng(42);
const dirtyWanted = Math.round(cols * rows * 0.05);
const dirtySet = new Set();
while (dirtySet.size < dirtyWanted) dirtySet.add(r() % (cols * rows));
for (const t of dirtySet) {
  const [x, y, w, h] = allRects[t];
  const o = (y + (r() % h)) * STRIDE + (x + (r() % w)) * 4;
  next[o] ^= 0xff;
}

function measure(fn) {
  for (let i = 0; i < 3; i++) fn(); // warm-up
  const samples = [];
  const deadline = process.hrtime.bigint() + BigInt(Math.round(SECONDS * 1e9));
  while (samples.length < 5 || process.hrtime.bigint() < deadline) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (samples.length > 2000) break;
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]; // median ms
}

async function measureAsync(fn) {
  for (let i = 0; i < 2; i++) await fn();
  const samples = [];
  const deadline = process.hrtime.bigint() + BigInt(Math.round(SECONDS * 1e9));
  while (samples.length < 5 || process.hrtime.bigint() < deadline) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (samples.length > 500) break;
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

async function main() {
  const results = [];
  const add = (name, ms, note = '') => results.push({ name, ms, note });

  const target = Buffer.alloc(FRAME);
  const memcpyMs = measure(() => prev.copy(target));
  add('memcpy (Buffer#copy)', memcpyMs, 'baseline');

  const { supported, auto } = native.simdPaths();
  for (const p of supported) {
    const dirtyCount = native.diffTiles(prev, next, W, H, STRIDE, TILE, false, p).length / 4;
    add(`diff ${p}`, measure(() => native.diffTiles(prev, next, W, H, STRIDE, TILE, false, p)), `${dirtyCount} dirty tiles`);
  }
  const same = Buffer.from(prev);
  add('diff auto, identical frames', measure(() => native.diffTiles(prev, same, W, H, STRIDE, TILE, false, 'auto')), 'worst case: all bytes read');

  const flat = new Uint32Array(allRects.flat());
  const photoRects = new Uint32Array(allRects.filter(([x]) => x >= W / 2).flat());
  const uiRects = new Uint32Array(allRects.filter(([x, , w]) => x + w <= W / 2).flat());
  const frac = (rects) => rects.length / 4 / allRects.length;

  const jpegSync = measure(() => {
    for (const [x, y, w, h] of allRects) native.encodeTile(prev, W, H, STRIDE, x, y, w, h, 80, 'jpeg');
  });
  add('jpeg q80, all tiles, sync', jpegSync, `${allRects.length} tiles`);
  const photoSync = measure(() => {
    for (let i = 0; i < photoRects.length; i += 4) native.encodeTile(prev, W, H, STRIDE, photoRects[i], photoRects[i + 1], photoRects[i + 2], photoRects[i + 3], 80, 'jpeg');
  });
  add('jpeg q80, photo half, sync', photoSync / frac(photoRects), 'scaled to a full frame');
  const uiLossless = measure(() => {
    for (let i = 0; i < uiRects.length; i += 4) native.encodeTile(prev, W, H, STRIDE, uiRects[i], uiRects[i + 1], uiRects[i + 2], uiRects[i + 3], 80, 'lossless');
  });
  add('lossless, UI half, sync', uiLossless / frac(uiRects), 'scaled to a full frame');
  add('auto q80, all tiles, async x1', await measureAsync(() => native.encodeTiles(prev, W, H, STRIDE, flat, 80, 'auto')), '1 libuv job');
  const quarter = Math.ceil(allRects.length / 4);
  const parts = [0, 1, 2, 3].map((k) => new Uint32Array(allRects.slice(k * quarter, (k + 1) * quarter).flat()));
  add(
    'auto q80, all tiles, async x4',
    await measureAsync(() => Promise.all(parts.map((p) => native.encodeTiles(prev, W, H, STRIDE, p, 80, 'auto')))),
    '4 libuv jobs',
  );
  const dirtyRects = native.diffTiles(prev, next, W, H, STRIDE, TILE, false, 'auto');
  const dirtyMs = await measureAsync(() => native.encodeTiles(next, W, H, STRIDE, dirtyRects, 80, 'auto'));
  add('auto q80, 5% dirty tiles, async', dirtyMs, 'per frame, MB/s over the full frame');
  const i420 = Buffer.alloc(W * H + 2 * Math.ceil(W / 2) * Math.ceil(H / 2));
  add('bgraToI420 sync, reused out', measure(() => native.bgraToI420(prev, W, H, STRIDE, i420)), 'steady state');
  add('bgraToI420 sync, new buffer', measure(() => native.bgraToI420(prev, W, H, STRIDE)), 'allocation + page faults');
  add('bgraToI420Async, reused out', await measureAsync(() => native.bgraToI420Async(prev, W, H, STRIDE, i420)), 'incl. frame copy');

  const mb = FRAME / 1e6;
  const pad = (s, n) => String(s).padEnd(n);
  const lpad = (s, n) => String(s).padStart(n);
  console.log(`native core, ${W}x${H} BGRA (${mb.toFixed(1)} MB/frame), tile ${TILE}, simd auto = ${auto}, node ${process.version}`);
  console.log(`${pad('operation', 34)}${lpad('ms/frame', 10)}${lpad('MB/s', 10)}${lpad('x memcpy', 10)}${lpad('frames/s', 10)}  note`);
  for (const { name, ms, note } of results) {
    const mbs = mb / (ms / 1000);
    console.log(
      `${pad(name, 34)}${lpad(ms.toFixed(3), 10)}${lpad(mbs.toFixed(0), 10)}${lpad((memcpyMs / ms).toFixed(3), 10)}${lpad((1000 / ms).toFixed(0), 10)}  ${note}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
