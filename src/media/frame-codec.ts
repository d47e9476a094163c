/**
 * Binary media frame, version 1. One frame carries one tile (or a cursor / control record) of one
 * monitor of one session. All integers little-endian.
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 1 | magic `0x54` ('T') |
 * | 1 | 1 | version (1) |
 * | 2 | 1 | type: 1 tile, 2 cursor, 3 end of frame (all tiles of `frameSeq` sent), 4 screen info (w×h of the monitor in x,y,w,h), 5 refresh request |
 * | 3 | 1 | encoding: 0 none, 1 JPEG, 2 lossless (palette/raw + zlib, see src/native/lossless-codec.ts), 3 raw BGRA |
 * | 4 | 2 | monitor index |
 * | 6 | 2 | header length in bytes (33 + session id length) |
 * | 8 | 4 | frame sequence number (per monitor, wraps) |
 * | 12 | 8 | capture timestamp, ms since the epoch (float64) |
 * | 20 | 2×4 | x, y, width, height of the tile in monitor pixels |
 * | 28 | 4 | payload length in bytes |
 * | 32 | 1 | session id length n (1–80) |
 * | 33 | n | session id (ASCII) |
 * | 33+n | payload length | payload |
 *
 * The same parser runs in the server, the agent and the browser (no Node Buffer needed).
 */
export const FRAME_MAGIC = 0x54;
export const FRAME_VERSION = 1;
export const FIXED_HEADER = 33;
export const MAX_TILE_EDGE = 16384;

export const FrameType = { Tile: 1, Cursor: 2, EndOfFrame: 3, ScreenInfo: 4, RefreshRequest: 5 } as const;
export const Encoding = { None: 0, Jpeg: 1, Lossless: 2, RawBgra: 3 } as const;

export type FrameTypeValue = (typeof FrameType)[keyof typeof FrameType];
export type EncodingValue = (typeof Encoding)[keyof typeof Encoding];

export interface MediaFrame {
  type: FrameTypeValue;
  encoding: EncodingValue;
  monitor: number;
  frameSeq: number;
  timestamp: number;
  x: number;
  y: number;
  width: number;
  height: number;
  sessionId: string;
  payload: Uint8Array;
}

export type ParsedMediaFrame = { ok: true; frame: MediaFrame } | { ok: false; code: 'BAD_FRAME'; message: string };

const SESSION_ID = /^[A-Za-z0-9_.:@-]{1,80}$/;

const utf8 = new TextEncoder();

export function encodeFrame(f: MediaFrame): Uint8Array {
  const sid = utf8.encode(f.sessionId);
  if (!SESSION_ID.test(f.sessionId)) throw new RangeError('sessionId must be 1-80 id characters');
  const headerLength = FIXED_HEADER + sid.length;
  const out = new Uint8Array(headerLength + f.payload.length);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setUint8(0, FRAME_MAGIC);
  v.setUint8(1, FRAME_VERSION);
  v.setUint8(2, f.type);
  v.setUint8(3, f.encoding);
  v.setUint16(4, f.monitor, true);
  v.setUint16(6, headerLength, true);
  v.setUint32(8, f.frameSeq >>> 0, true);
  v.setFloat64(12, f.timestamp, true);
  v.setUint16(20, f.x, true);
  v.setUint16(22, f.y, true);
  v.setUint16(24, f.width, true);
  v.setUint16(26, f.height, true);
  v.setUint32(28, f.payload.length, true);
  v.setUint8(32, sid.length);
  out.set(sid, FIXED_HEADER);
  out.set(f.payload, headerLength);
  return out;
}

/** Parses and checks one frame; never throws, whatever the bytes. The payload is a view, not a copy. */
export function decodeFrame(bytes: Uint8Array): ParsedMediaFrame {
  const bad = (message: string): ParsedMediaFrame => ({ ok: false, code: 'BAD_FRAME', message });
  if (bytes.length < FIXED_HEADER + 1) return bad(`frame of ${bytes.length} bytes is shorter than the header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint8(0) !== FRAME_MAGIC) return bad('bad magic');
  if (v.getUint8(1) !== FRAME_VERSION) return bad(`unsupported frame version ${v.getUint8(1)}`);
  const type = v.getUint8(2);
  if (type < 1 || type > 5) return bad(`unknown frame type ${type}`);
  const encoding = v.getUint8(3);
  if (encoding > 3) return bad(`unknown encoding ${encoding}`);
  const sidLength = v.getUint8(32);
  const headerLength = v.getUint16(6, true);
  if (sidLength < 1 || sidLength > 80 || headerLength !== FIXED_HEADER + sidLength) return bad('bad header length');
  if (bytes.length < headerLength) return bad('truncated header');
  const payloadLength = v.getUint32(28, true);
  if (bytes.length !== headerLength + payloadLength) return bad(`payload length ${payloadLength} does not match the frame (${bytes.length - headerLength})`);
  let sessionId = '';
  for (let i = 0; i < sidLength; i++) sessionId += String.fromCharCode(bytes[FIXED_HEADER + i]);
  if (!SESSION_ID.test(sessionId)) return bad('bad session id');
  const x = v.getUint16(20, true);
  const y = v.getUint16(22, true);
  const width = v.getUint16(24, true);
  const height = v.getUint16(26, true);
  if (x + width > MAX_TILE_EDGE || y + height > MAX_TILE_EDGE) return bad('tile outside the largest screen');
  if (type === FrameType.Tile && (width === 0 || height === 0 || payloadLength === 0)) return bad('empty tile');
  const timestamp = v.getFloat64(12, true);
  if (!Number.isFinite(timestamp)) return bad('bad timestamp');
  return {
    ok: true,
    frame: {
      type: type as FrameTypeValue, encoding: encoding as EncodingValue, monitor: v.getUint16(4, true), frameSeq: v.getUint32(8, true),
      timestamp, x, y, width, height, sessionId, payload: bytes.subarray(headerLength),
    },
  };
}
