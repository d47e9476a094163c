import { Readable } from 'node:stream';
import type { RecordingMeta, RecordingStore } from './recording-store';

/** Recordings in memory, as an object store would keep them: for tests and a single-node demo. */
export class MemoryRecordingStore implements RecordingStore {
  readonly files = new Map<string, Buffer>();
  readonly metas = new Map<string, RecordingMeta>();

  async append(id: string, chunk: Buffer): Promise<void> {
    this.files.set(id, Buffer.concat([this.files.get(id) ?? Buffer.alloc(0), chunk]));
  }

  async size(id: string): Promise<number | null> {
    return this.files.get(id)?.length ?? null;
  }

  async read(id: string, offset: number, length: number): Promise<Buffer> {
    return Buffer.from((this.files.get(id) ?? Buffer.alloc(0)).subarray(offset, offset + length));
  }

  async truncate(id: string, length: number): Promise<void> {
    const file = this.files.get(id);
    if (file) this.files.set(id, Buffer.from(file.subarray(0, length)));
  }

  async putMeta(meta: RecordingMeta): Promise<void> {
    this.metas.set(meta.sessionId, { ...meta });
  }

  async getMeta(id: string): Promise<RecordingMeta | null> {
    return this.metas.get(id) ?? null;
  }

  async list(): Promise<RecordingMeta[]> {
    return [...this.metas.values()];
  }

  async open(id: string): Promise<Readable | null> {
    const f = this.files.get(id);
    return f ? Readable.from([f]) : null;
  }

  async delete(id: string): Promise<void> {
    this.files.delete(id);
    this.metas.delete(id);
  }
}
