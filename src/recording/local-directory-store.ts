import { createReadStream } from 'node:fs';
import { appendFile, mkdir, open as openFile, readdir, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { RecordingMeta, RecordingStore } from './recording-store';

/** Session ids are ids (frame-codec allows [A-Za-z0-9_.:@-]); anything else never becomes a path. */
const SAFE_ID = /^[A-Za-z0-9_.:@-]{1,80}$/;

const fileName = (sessionId: string): string => `${sessionId.replace(/:/g, '%3A')}.trec`;

/**
 * Recordings as files in one directory: `<id>.trec` (the recording, appended) and `<id>.json` (its
 * metadata, replaced atomically). Several nodes may share the directory (NFS): only one node writes
 * a session's recording at a time (the one holding its agent connection, docs/recording.md).
 */
export class LocalDirectoryStore implements RecordingStore {
  private isReady = false;

  constructor(readonly dir: string) {}

  async append(sessionId: string, chunk: Buffer): Promise<void> {
    await this.ready();
    await appendFile(this.path(sessionId, '.trec'), chunk);
  }

  async size(sessionId: string): Promise<number | null> {
    try {
      return (await stat(this.path(sessionId, '.trec'))).size;
    } catch {
      return null;
    }
  }

  async read(sessionId: string, offset: number, length: number): Promise<Buffer> {
    const file = await openFile(this.path(sessionId, '.trec'), 'r');
    try {
      const out = Buffer.alloc(length);
      const { bytesRead } = await file.read(out, 0, length, offset);
      return out.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }

  async truncate(sessionId: string, length: number): Promise<void> {
    await truncate(this.path(sessionId, '.trec'), length);
  }

  async putMeta(meta: RecordingMeta): Promise<void> {
    await this.ready();
    const target = this.path(meta.sessionId, '.json');
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(meta));
    await rename(tmp, target);
  }

  async getMeta(sessionId: string): Promise<RecordingMeta | null> {
    try {
      return JSON.parse(await readFile(this.path(sessionId, '.json'), 'utf8')) as RecordingMeta;
    } catch {
      return null;
    }
  }

  async list(): Promise<RecordingMeta[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: RecordingMeta[] = [];
    for (const name of names) {
      if (!name.endsWith('.trec')) continue;
      const sessionId = name.slice(0, -5).replace(/%3A/g, ':');
      if (!SAFE_ID.test(sessionId)) continue;
      const meta = await this.getMeta(sessionId);
      const bytes = (await this.size(sessionId)) ?? 0;
      // The file is the truth for its size; a missing meta (a node died first) still lists the file.
      out.push(meta ? { ...meta, bytes } : { sessionId, startedAt: 0, lastAt: 0, bytes, frames: 0, events: 0, full: false });
    }
    return out.sort((a, b) => b.startedAt - a.startedAt);
  }

  async open(sessionId: string): Promise<Readable | null> {
    if ((await this.size(sessionId)) === null) return null;
    return createReadStream(this.path(sessionId, '.trec'));
  }

  async delete(sessionId: string): Promise<void> {
    await rm(this.path(sessionId, '.trec'), { force: true });
    await rm(this.path(sessionId, '.json'), { force: true });
  }

  private path(sessionId: string, ext: '.trec' | '.json'): string {
    if (!SAFE_ID.test(sessionId)) throw new RangeError('bad session id');
    return join(this.dir, fileName(sessionId).replace(/\.trec$/, ext));
  }

  private async ready(): Promise<void> {
    if (this.isReady) return;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    this.isReady = true;
  }
}
