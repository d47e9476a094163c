import type { ViewerHealth } from './feedback-policy';

/**
 * What the media layer sends between nodes (see docs/media.md, "Across nodes").
 *
 * Frames travel in batches on the binary bus channel `media:<receiving node id>`. One batch holds
 * the frames one agent node had for one receiving node in one turn of its event loop. Integers
 * little-endian:
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 1 | magic `0x4d` ('M') |
 * | 1 | 1 | version (1) |
 * | 2 | 1 | sender node id length n (1–255) |
 * | 3 | n | sender node id (UTF-8) |
 * | 3+n | 4 | batch sequence number, per sender and receiver, from 1 (a gap: batches were lost) |
 * | 7+n | 2 | number of entries |
 * | 9+n | … | entries: 4 audience seq, 4 frame length, the frame (binary frame v1, as the agent sent it) |
 *
 * The audience seq is the session seq at which the sender's audience of that session last changed:
 * a receiver that has not applied that change yet does not deliver the frame (docs/media.md).
 *
 * Control messages are JSON on the text channel `media:ctl`, heard by every node:
 * - `{t:'want', node, sessions: {<sessionId>: [fill, dropped, delayMs?]}}`: the complete set of sessions the
 *   node has allowed viewers of, with the worst of their health (replaces the previous one; expires
 *   after INTEREST_TTL_MS); the third element, the worst queueing delay, is optional (older nodes omit it);
 * - `{t:'refresh', node, sessionId, monitors}`: a viewer there needs a full frame (`monitors` null:
 *   every monitor the agent's node has seen).
 */
export const BATCH_MAGIC = 0x4d;
export const BATCH_VERSION = 1;
const ENTRY_HEADER = 8;

export const CONTROL_CHANNEL = 'media:ctl';
export const framesChannelOf = (nodeId: string): string => `media:${nodeId}`;

export interface BatchEntry {
  /** The sender's audience seq of the frame's session. */
  audienceSeq: number;
  /** One binary frame v1. */
  bytes: Uint8Array;
}

export interface Batch {
  sender: string;
  seq: number;
  entries: BatchEntry[];
}

/** One buffer with every entry copied in (the frames' own buffers may be released after). */
export function encodeBatch(sender: string, seq: number, entries: readonly BatchEntry[]): Buffer {
  const id = Buffer.from(sender, 'utf8');
  if (id.length < 1 || id.length > 255) throw new RangeError('sender node id must be 1-255 bytes');
  if (entries.length > 0xffff) throw new RangeError('at most 65535 entries per batch');
  let size = 3 + id.length + 6;
  for (const e of entries) size += ENTRY_HEADER + e.bytes.byteLength;
  const out = Buffer.allocUnsafe(size);
  out[0] = BATCH_MAGIC;
  out[1] = BATCH_VERSION;
  out[2] = id.length;
  id.copy(out, 3);
  let at = 3 + id.length;
  out.writeUInt32LE(seq >>> 0, at);
  out.writeUInt16LE(entries.length, at + 4);
  at += 6;
  for (const e of entries) {
    out.writeUInt32LE(e.audienceSeq >>> 0, at);
    out.writeUInt32LE(e.bytes.byteLength, at + 4);
    out.set(e.bytes, at + ENTRY_HEADER);
    at += ENTRY_HEADER + e.bytes.byteLength;
  }
  return out;
}

/** Parses a batch; null when it is not one (never throws). The entries' bytes are views into `buf`. */
export function decodeBatch(buf: Uint8Array): Batch | null {
  if (buf.byteLength < 3 || buf[0] !== BATCH_MAGIC || buf[1] !== BATCH_VERSION) return null;
  const n = buf[2];
  if (n < 1 || buf.byteLength < 3 + n + 6) return null;
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const sender = Buffer.from(buf.buffer, buf.byteOffset + 3, n).toString('utf8');
  let at = 3 + n;
  const seq = v.getUint32(at, true);
  const count = v.getUint16(at + 4, true);
  at += 6;
  const entries: BatchEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (at + ENTRY_HEADER > buf.byteLength) return null;
    const audienceSeq = v.getUint32(at, true);
    const length = v.getUint32(at + 4, true);
    at += ENTRY_HEADER;
    if (at + length > buf.byteLength) return null;
    entries.push({ audienceSeq, bytes: buf.subarray(at, at + length) });
    at += length;
  }
  if (at !== buf.byteLength) return null;
  return { sender, seq, entries };
}

export type ControlMessage =
  | { t: 'want'; node: string; sessions: Map<string, ViewerHealth> }
  | { t: 'refresh'; node: string; sessionId: string; monitors: number[] | null };

export function encodeWant(node: string, sessions: ReadonlyMap<string, ViewerHealth>): string {
  const out: Record<string, number[]> = {};
  for (const [id, h] of sessions) {
    const delay = Math.max(0, Math.round((h.rttMs ?? 0) - (h.baseRttMs ?? 0)));
    out[id] = delay > 0 ? [Math.round(h.fill * 1000) / 1000, h.hasDropped ? 1 : 0, delay] : [Math.round(h.fill * 1000) / 1000, h.hasDropped ? 1 : 0];
  }
  return JSON.stringify({ t: 'want', node, sessions: out });
}

export function encodeRefresh(node: string, sessionId: string, monitors: readonly number[] | null): string {
  return JSON.stringify({ t: 'refresh', node, sessionId, monitors });
}

const isMonitor = (m: unknown): m is number => Number.isInteger(m) && (m as number) >= 0 && (m as number) <= 0xffff;

/** Parses and checks a control message; null when it is malformed (never throws). */
export function parseControl(raw: string): ControlMessage | null {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null) return null;
  const m = msg as Record<string, unknown>;
  if (typeof m.node !== 'string' || m.node.length === 0) return null;
  if (m.t === 'want') {
    if (typeof m.sessions !== 'object' || m.sessions === null || Array.isArray(m.sessions)) return null;
    const sessions = new Map<string, ViewerHealth>();
    for (const [id, h] of Object.entries(m.sessions as Record<string, unknown>)) {
      if (!Array.isArray(h) || typeof h[0] !== 'number' || !Number.isFinite(h[0])) return null;
      const health: ViewerHealth = { fill: Math.min(1, Math.max(0, h[0])), hasDropped: h[1] === 1 };
      if (typeof h[2] === 'number' && Number.isFinite(h[2]) && h[2] > 0) Object.assign(health, { rttMs: Math.min(600_000, h[2]), baseRttMs: 0 });
      sessions.set(id, health);
    }
    return { t: 'want', node: m.node, sessions };
  }
  if (m.t === 'refresh') {
    if (typeof m.sessionId !== 'string' || m.sessionId.length === 0) return null;
    if (m.monitors !== null && !(Array.isArray(m.monitors) && m.monitors.length <= 16 && m.monitors.every(isMonitor))) return null;
    return { t: 'refresh', node: m.node, sessionId: m.sessionId, monitors: m.monitors as number[] | null };
  }
  return null;
}
