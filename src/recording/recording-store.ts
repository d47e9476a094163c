import type { Readable } from 'node:stream';

/** What the store keeps beside each recording (listing without reading the file). */
export interface RecordingMeta {
  sessionId: string;
  /** When the recording file was created, ms since the epoch. */
  startedAt: number;
  /** The time of the last record written, ms since the epoch. */
  lastAt: number;
  bytes: number;
  frames: number;
  events: number;
  /** True once the recording reached recording.maxBytes (nothing more is written). */
  full: boolean;
}

/**
 * Where recordings live. One append-only object per session plus its metadata. The local directory
 * is the default (LocalDirectoryStore); an object store implements the same contract (append can be
 * a multipart upload of the flushed chunks).
 */
export interface RecordingStore {
  /** Appends bytes to the session's recording, creating it. Appends of one session never overlap (the recorder awaits each). */
  append(sessionId: string, chunk: Buffer): Promise<void>;
  /** The current size in bytes, or null when there is no recording. */
  size(sessionId: string): Promise<number | null>;
  /** Up to `length` bytes at `offset` (fewer at the end of the file). */
  read(sessionId: string, offset: number, length: number): Promise<Buffer>;
  /** Cuts the recording to `length` bytes (a torn last record, before a writer continues it). */
  truncate(sessionId: string, length: number): Promise<void>;
  putMeta(meta: RecordingMeta): Promise<void>;
  getMeta(sessionId: string): Promise<RecordingMeta | null>;
  /** Every recording's metadata. */
  list(): Promise<RecordingMeta[]>;
  /** The whole file as a stream, or null when there is none. */
  open(sessionId: string): Promise<Readable | null>;
  delete(sessionId: string): Promise<void>;
}

export const RECORDING_STORE = Symbol('RECORDING_STORE');
