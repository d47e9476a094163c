/**
 * The recording file format, version 1 (docs/recording.md). One file per session: a header, then
 * records in the order the recording node appended them. All integers little-endian. Pure: the same
 * code runs in the server (writing, listing) and in the browser player (reading).
 *
 * Header:
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 4 | magic `TREC` |
 * | 4 | 2 | version (1) |
 * | 6 | 2 | reserved (0) |
 * | 8 | 4 | length n of the header JSON |
 * | 12 | n | header JSON (UTF-8): `{ sessionId, startedAt }` |
 *
 * Record:
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 1 | kind: 1 media frame, 2 session event, 3 live (annotation / pointer), 4 marker |
 * | 1 | 8 | time the server appended it, ms since the epoch (float64) |
 * | 9 | 4 | payload length m |
 * | 13 | m | payload: the binary media frame exactly as relayed (docs/protocol.md), or UTF-8 JSON |
 */
export const RECORDING_MAGIC = 'TREC';
export const RECORDING_VERSION = 1;
export const HEADER_FIXED = 12;
export const RECORD_HEADER = 13;

export const RecordKind = { Media: 1, Event: 2, Live: 3, Marker: 4 } as const;
export type RecordKindValue = (typeof RecordKind)[keyof typeof RecordKind];

export interface RecordingHeader {
  sessionId: string;
  /** When the file was created (ms since the epoch). */
  startedAt: number;
}

export interface RecordingRecord {
  kind: RecordKindValue;
  /** ms since the epoch. */
  time: number;
  /** A view into the file's bytes (not a copy). */
  payload: Uint8Array;
}

/** What a marker record says (JSON): a recording segment started on a node, or the recording stopped writing. */
export interface RecordingMarker {
  kind: 'start' | 'resume' | 'limit' | 'stop' | 'gap';
  node: string;
  /** The session's mode when the marker was written. */
  mode?: string;
  /** gap: how many media frames were dropped because the store fell behind, and since when (ms since the epoch). */
  dropped?: number;
  since?: number;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** The header bytes of a new recording. */
export function encodeHeader(header: RecordingHeader): Uint8Array {
  const json = utf8.encode(JSON.stringify(header));
  const out = new Uint8Array(HEADER_FIXED + json.length);
  const v = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = RECORDING_MAGIC.charCodeAt(i);
  v.setUint16(4, RECORDING_VERSION, true);
  v.setUint16(6, 0, true);
  v.setUint32(8, json.length, true);
  out.set(json, HEADER_FIXED);
  return out;
}

/** The 13-byte header of one record whose payload of `length` bytes follows it. */
export function encodeRecordHeader(kind: RecordKindValue, time: number, length: number): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER);
  const v = new DataView(out.buffer);
  v.setUint8(0, kind);
  v.setFloat64(1, time, true);
  v.setUint32(9, length, true);
  return out;
}

/** One whole record (header and payload) in one array. */
export function encodeRecord(kind: RecordKindValue, time: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER + payload.length);
  out.set(encodeRecordHeader(kind, time, payload.length), 0);
  out.set(payload, RECORD_HEADER);
  return out;
}

/** A JSON record (event, live, marker). */
export function encodeJsonRecord(kind: RecordKindValue, time: number, value: unknown): Uint8Array {
  return encodeRecord(kind, time, utf8.encode(JSON.stringify(value)));
}

export type ParsedRecording =
  | { ok: true; header: RecordingHeader; records: RecordingRecord[]; truncated: boolean }
  | { ok: false; message: string };

/**
 * Reads a whole recording. Never throws. A file cut short in its last record (a node died while
 * writing) is read up to its last whole record, with `truncated` set.
 */
export function decodeRecording(bytes: Uint8Array): ParsedRecording {
  if (bytes.length < HEADER_FIXED) return { ok: false, message: 'shorter than the header' };
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < 4; i++) if (bytes[i] !== RECORDING_MAGIC.charCodeAt(i)) return { ok: false, message: 'not a recording (bad magic)' };
  const version = v.getUint16(4, true);
  if (version !== RECORDING_VERSION) return { ok: false, message: `unsupported recording version ${version}` };
  const jsonLength = v.getUint32(8, true);
  if (HEADER_FIXED + jsonLength > bytes.length) return { ok: false, message: 'truncated header' };
  let header: RecordingHeader;
  try {
    header = JSON.parse(fromUtf8.decode(bytes.subarray(HEADER_FIXED, HEADER_FIXED + jsonLength))) as RecordingHeader;
  } catch {
    return { ok: false, message: 'bad header JSON' };
  }
  if (!header || typeof header.sessionId !== 'string' || typeof header.startedAt !== 'number') return { ok: false, message: 'bad header fields' };
  const records: RecordingRecord[] = [];
  let at = HEADER_FIXED + jsonLength;
  let truncated = false;
  while (at < bytes.length) {
    if (at + RECORD_HEADER > bytes.length) {
      truncated = true;
      break;
    }
    const kind = v.getUint8(at);
    const time = v.getFloat64(at + 1, true);
    const length = v.getUint32(at + 9, true);
    if (at + RECORD_HEADER + length > bytes.length) {
      truncated = true;
      break;
    }
    if (kind >= RecordKind.Media && kind <= RecordKind.Marker && Number.isFinite(time)) {
      records.push({ kind: kind as RecordKindValue, time, payload: bytes.subarray(at + RECORD_HEADER, at + RECORD_HEADER + length) });
    }
    at += RECORD_HEADER + length;
  }
  return { ok: true, header, records, truncated };
}

/** Reads `length` bytes at `offset` of a recording (fewer at its end). */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * Where the whole records of a recording of `size` bytes end: the length to truncate it to before
 * appending (a node died while writing its last record). Hops from record header to record header
 * without reading payloads, starting at `from` when it is a known record boundary (the bytes the
 * metadata says were written), else right after the file header. 0 when even the file header is
 * incomplete or not a recording header (the file is then rewritten from its header).
 */
export async function wholeRecordsEnd(size: number, read: ReadAt, from = 0): Promise<number> {
  if (size < HEADER_FIXED) return 0;
  const fixed = await read(0, HEADER_FIXED);
  for (let i = 0; i < 4; i++) if (fixed[i] !== RECORDING_MAGIC.charCodeAt(i)) return 0;
  const headerEnd = HEADER_FIXED + new DataView(fixed.buffer, fixed.byteOffset, fixed.byteLength).getUint32(8, true);
  if (headerEnd > size) return 0;
  const start = from >= headerEnd && from <= size ? from : headerEnd;
  const end = await scanRecords(size, read, start);
  // A boundary from the metadata that does not lead to a clean walk is not trusted: walk from the header.
  return end === null && start !== headerEnd ? (await scanRecords(size, read, headerEnd)) ?? headerEnd : end ?? headerEnd;
}

/** Hops records from `at`; the end of the last whole record, or null when a record header is not one (a bad kind or time). */
async function scanRecords(size: number, read: ReadAt, at: number): Promise<number | null> {
  let lastGood = at;
  while (at + RECORD_HEADER <= size) {
    const head = await read(at, RECORD_HEADER);
    if (head.length < RECORD_HEADER) break;
    const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const kind = v.getUint8(0);
    const time = v.getFloat64(1, true);
    if (kind === 0 || !Number.isFinite(time)) return null;
    const next = at + RECORD_HEADER + v.getUint32(9, true);
    if (next > size) break;
    at = next;
    lastGood = at;
  }
  return lastGood;
}

/** The JSON of an event, live or marker record; undefined when it is not JSON. */
export function recordJson<T = unknown>(record: RecordingRecord): T | undefined {
  try {
    return JSON.parse(fromUtf8.decode(record.payload)) as T;
  } catch {
    return undefined;
  }
}
