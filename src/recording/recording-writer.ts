import { encodeHeader, encodeRecordHeader, RECORD_HEADER, type RecordingMarker, type RecordKindValue, RecordKind, wholeRecordsEnd } from './recording-format';
import type { RecordingMeta, RecordingStore } from './recording-store';

/** Bytes gathered before a write is started at once (else at the next flush tick). */
const FLUSH_BYTES = 512 * 1024;
/** Chunk size of the write buffer (records are copied into it: nothing keeps a socket's buffer alive). */
const CHUNK_BYTES = 256 * 1024;
/** The metadata is rewritten at most this often while recording (and always on close). */
const META_EVERY_MS = 1000;

const utf8 = new TextEncoder();

export interface WriterOptions {
  maxBytes: number;
  /**
   * Bytes queued in memory (added, not yet written) above which media frames are dropped; events,
   * live records and markers are always queued. Infinity when unset.
   */
  maxQueueBytes?: number;
  /** The node id written into a gap marker. */
  node?: string;
  /** Called when frames were dropped and the queue drained again: a gap marker was written; ask for a full frame. */
  onGap?: (dropped: number) => void;
  now: () => number;
  /** Called once when the next record would pass maxBytes: nothing more is written. */
  onFull: () => void;
  onError: (err: unknown) => void;
}

/**
 * Appends one session's records to its recording: copied into chunks, written in order by one
 * write at a time (appends of a session never overlap), header first for a new file. A file that
 * already exists (another node wrote it before a failover, or an earlier segment) is continued.
 */
export class RecordingWriter {
  private chunks: Buffer[] = [];
  private current: Buffer | null = null;
  private used = 0;
  private pendingBytes = 0;
  private writing: Promise<void> = Promise.resolve();
  private isOpened = false;
  private isClosed = false;
  private lastMetaAt = 0;
  /** Bytes in the file plus bytes queued: what maxBytes is checked against. */
  private total = 0;
  private isFull = false;
  /** Bytes added and not yet written (queued or being written): what maxQueueBytes bounds. */
  private queued = 0;
  /** Frames dropped since the queue went over maxQueueBytes; 0 when not dropping. */
  private gapFrames = 0;
  private gapSince = 0;
  /** Media frames dropped because the store was slower than the screen (over the writer's life). */
  droppedFrames = 0;
  readonly meta: RecordingMeta;
  /** Bytes of a torn last record cut off when this writer continued the file (0: none). */
  tornBytes = 0;

  constructor(readonly sessionId: string, private readonly store: RecordingStore, private readonly opts: WriterOptions) {
    const now = opts.now();
    this.meta = { sessionId, startedAt: now, lastAt: now, bytes: 0, frames: 0, events: 0, full: false };
  }

  get full(): boolean {
    return this.isFull;
  }

  /**
   * Reads the existing file (if any) before the first write: a continued recording keeps its header
   * and counts, and a torn last record (its node died mid-write) is cut off first, so the records
   * appended now follow the last whole one. A file without even a whole header is started again.
   */
  open(after: Promise<void> = Promise.resolve()): Promise<void> {
    this.writing = this.writing.then(() => after).then(async () => {
      const size = await this.store.size(this.sessionId);
      const old = size ? await this.store.getMeta(this.sessionId) : null;
      // A node that died while writing may have left half a record: cut the file back to its last whole record.
      const whole = size ? await wholeRecordsEnd(size, (at, n) => this.store.read(this.sessionId, at, n), old?.bytes ?? 0) : 0;
      if (size && whole < size) {
        await this.store.truncate(this.sessionId, whole);
        this.tornBytes = size - whole;
      }
      if (whole > 0) {
        if (old) Object.assign(this.meta, { startedAt: old.startedAt, frames: old.frames, events: old.events, full: old.full });
        this.meta.bytes = whole;
        this.isFull = this.meta.full;
      } else {
        const header = encodeHeader({ sessionId: this.sessionId, startedAt: this.meta.startedAt });
        await this.store.append(this.sessionId, Buffer.from(header.buffer, header.byteOffset, header.byteLength));
        this.meta.bytes = header.length;
      }
      this.total += this.meta.bytes;
      this.isOpened = true;
    }).catch((err: unknown) => this.opts.onError(err));
    // Records added before the file is read count on top of what it holds.
    return this.writing;
  }

  /** Bytes added and not yet written. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** Queues one record; false when it was refused (closed, full, or a frame dropped while the store is behind). */
  add(kind: RecordKindValue, payload: Uint8Array): boolean {
    if (this.isClosed || this.isFull) return false;
    const size = RECORD_HEADER + payload.length;
    if (kind === RecordKind.Media && !this.mayQueueFrame(size)) return false;
    if (this.total + size > this.opts.maxBytes) {
      this.isFull = true;
      this.meta.full = true;
      this.opts.onFull();
      return false;
    }
    const time = this.opts.now();
    this.copy(encodeRecordHeader(kind, time, payload.length));
    this.copy(payload);
    this.total += size;
    this.queued += size;
    this.pendingBytes += size;
    this.meta.lastAt = time;
    if (kind === RecordKind.Media) this.meta.frames += 1;
    else if (kind === RecordKind.Event) this.meta.events += 1;
    if (this.pendingBytes >= FLUSH_BYTES) void this.flush();
    return true;
  }

  /** Writes what is queued (called by the recorder's tick and on close). */
  flush(): Promise<void> {
    if (this.used > 0 && this.current) {
      this.chunks.push(this.current.subarray(0, this.used));
      this.current = null;
      this.used = 0;
    }
    if (this.chunks.length === 0) return this.maybeMeta(false);
    const batch = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [];
    this.pendingBytes = 0;
    this.writing = this.writing.then(async () => {
      if (!this.isOpened) return;
      await this.store.append(this.sessionId, batch);
      this.meta.bytes += batch.length;
    }).catch((err: unknown) => this.opts.onError(err)).finally(() => {
      this.queued -= batch.length;
    });
    return this.maybeMeta(false);
  }

  /** Writes everything and the metadata; nothing is added after. Idempotent. */
  async close(): Promise<void> {
    if (this.isClosed) return this.writing;
    await this.flush();
    this.isClosed = true;
    await this.maybeMeta(true);
  }

  /**
   * The queue bound: over maxQueueBytes a frame is dropped (the store is slower than the screen).
   * Dropping goes on until the queue has drained to half the bound, so a recording does not flap
   * between one frame in and one out; then a gap marker says how many frames are missing, and the
   * owner is told to ask the agent for a full frame (the frames after a gap are otherwise
   * differences to a screen the recording does not have).
   */
  private mayQueueFrame(size: number): boolean {
    const max = this.opts.maxQueueBytes ?? Infinity;
    const over = this.gapFrames > 0 ? this.queued > max / 2 : this.queued + size > max;
    if (over) {
      if (this.gapFrames === 0) this.gapSince = this.opts.now();
      this.gapFrames++;
      this.droppedFrames++;
      return false;
    }
    if (this.gapFrames > 0) {
      const dropped = this.gapFrames;
      this.gapFrames = 0;
      const marker: RecordingMarker = { kind: 'gap', node: this.opts.node ?? '', dropped, since: this.gapSince };
      this.add(RecordKind.Marker, utf8.encode(JSON.stringify(marker)));
      this.opts.onGap?.(dropped);
    }
    return true;
  }

  private maybeMeta(force: boolean): Promise<void> {
    const now = this.opts.now();
    if (!force && now - this.lastMetaAt < META_EVERY_MS) return this.writing;
    this.lastMetaAt = now;
    this.writing = this.writing.then(async () => {
      if (this.isOpened) await this.store.putMeta({ ...this.meta });
    }).catch((err: unknown) => this.opts.onError(err));
    return this.writing;
  }

  private copy(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length) {
      if (!this.current || this.used === this.current.length) {
        if (this.current) this.chunks.push(this.current);
        this.current = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes.length - at));
        this.used = 0;
      }
      const n = Math.min(bytes.length - at, this.current.length - this.used);
      this.current.set(bytes.subarray(at, at + n), this.used);
      this.used += n;
      at += n;
    }
  }
}
