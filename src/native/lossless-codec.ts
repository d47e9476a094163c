/**
 * Decoder for the lossless tile payload (media frame encoding 2) produced by native/src/encode.cc.
 * Pure TypeScript with no Node imports, so the browser can use it too: the caller supplies the
 * zlib inflater (node:zlib inflateSync on the server/agent, DecompressionStream('deflate') in the
 * browser, which also speaks RFC 1950 zlib streams).
 *
 * Layout (docs/native.md, "Lossless tiles"); width and height come from the frame header:
 *   byte 0          N, the palette size (0..255)
 *   N > 0:  1..4N   palette, N entries of B,G,R,A
 *           then    zlib stream of width*height bytes, one palette index per pixel, rows top to
 *                   bottom, no padding
 *   N = 0:  1..     zlib stream of width*height*4 bytes, the raw BGRA pixels, no padding
 */

export type Inflate = (deflated: Uint8Array) => Uint8Array;

export type LosslessDecodeResult = { ok: true; bgra: Uint8Array } | { ok: false; message: string };

/** Decodes a lossless tile to BGRA (stride width * 4). Never throws on bad input. */
export function decodeLossless(payload: Uint8Array, width: number, height: number, inflate: Inflate): LosslessDecodeResult {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    return { ok: false, message: 'width and height must be positive integers' };
  }
  if (payload.length < 1) return { ok: false, message: 'empty payload' };
  const n = payload[0];
  const head = 1 + 4 * n;
  if (payload.length < head) return { ok: false, message: `payload too short for a ${n}-colour palette` };
  let body: Uint8Array;
  try {
    body = inflate(payload.subarray(head));
  } catch (err) {
    return { ok: false, message: `inflate failed: ${(err as Error).message}` };
  }
  const pixels = width * height;
  if (n === 0) {
    if (body.length !== pixels * 4) return { ok: false, message: `raw body is ${body.length} bytes, expected ${pixels * 4}` };
    return { ok: true, bgra: body };
  }
  if (body.length !== pixels) return { ok: false, message: `index body is ${body.length} bytes, expected ${pixels}` };
  const out = new Uint8Array(pixels * 4);
  for (let i = 0; i < pixels; i++) {
    const k = body[i];
    if (k >= n) return { ok: false, message: `index ${k} at pixel ${i} is outside the ${n}-colour palette` };
    const p = 1 + 4 * k;
    const o = i * 4;
    out[o] = payload[p];
    out[o + 1] = payload[p + 1];
    out[o + 2] = payload[p + 2];
    out[o + 3] = payload[p + 3];
  }
  return { ok: true, bgra: out };
}
