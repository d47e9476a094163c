import { createHash } from 'node:crypto';
import { mkdirSync, openSync, closeSync, writeSync, readFileSync, renameSync, rmSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, extname, join } from 'node:path';

/** Where the customer's downloads go: $XDG_DOWNLOAD_DIR, else ~/Downloads. */
export function downloadsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_DOWNLOAD_DIR || join(homedir(), 'Downloads');
}

const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/**
 * A file name safe to create in the downloads folder: no directories (`../../etc/x` → `x`), no control
 * or path characters, no leading dots (no hidden files), not empty, at most 200 bytes.
 */
export function safeFileName(name: string): string {
  let n = basename(name.replace(/\\/g, '/'));
  n = [...n].map((ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f || '/:*?"<>|'.includes(ch) ? '_' : ch)).join('').replace(/^[.\s]+/, '').trim();
  if (RESERVED.test(n)) n = `_${n}`;
  while (Buffer.byteLength(n) > 200) n = n.slice(0, -1);
  return n || 'download';
}

/** `name`, or `name (1).ext`, `name (2).ext` … : never overwrites what is there. */
export function freePath(dir: string, name: string): string {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 0; ; i++) {
    const candidate = join(dir, i === 0 ? name : `${stem} (${i})${ext}`);
    if (!existsSync(candidate)) return candidate;
  }
}

interface Incoming { name: string; size: number; sha256: string; part: string; fd: number; received: number }

/** Why a file was not saved, as the agent reports it to the sender (`file.result`). */
export type ReceiveFailure = 'HASH_MISMATCH' | 'SIZE_MISMATCH' | 'WRITE_FAILED';

/** A file that cannot be saved: nothing of it stays in the folder (its `.part` is gone). */
export class ReceiveError extends Error {
  override readonly name = 'ReceiveError';
  constructor(readonly code: ReceiveFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const reason = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/**
 * Files a technician sends to this desktop: chunks are written at their offsets into a hidden `.part`
 * file; when the sender is done, the byte count and the SHA-256 are checked and the file moves to its safe,
 * free name. Whatever fails (a ReceiveError with its code) deletes the `.part`.
 */
export class IncomingFiles {
  private readonly files = new Map<string, Incoming>();

  constructor(private readonly dir: string = downloadsDir()) {}

  /** An accepted offer: remember what to expect, and open its `.part` (a ReceiveError WRITE_FAILED if the folder refuses it). */
  expect(fileId: string, name: string, size: number, sha256: string): void {
    const part = join(this.dir, `.tandem-${fileId.replace(/[^A-Za-z0-9_-]/g, '_')}.part`);
    let fd: number;
    try {
      mkdirSync(this.dir, { recursive: true });
      fd = openSync(part, 'w', 0o600);
    } catch (err) {
      throw new ReceiveError('WRITE_FAILED', `cannot write into ${this.dir} (${reason(err)})`, { cause: err });
    }
    this.files.set(fileId, { name, size, sha256, part, fd, received: 0 });
  }

  /** Whether this file is being received (expected, not yet done, failed or abandoned). */
  has(fileId: string): boolean {
    return this.files.has(fileId);
  }

  /** Writes one chunk; returns the bytes received so far. A ReceiveError abandons the file. */
  chunk(fileId: string, offset: number, base64: string): number {
    const f = this.files.get(fileId);
    if (!f) throw new Error(`unexpected file ${fileId}`);
    const bytes = Buffer.from(base64, 'base64');
    if (offset + bytes.length > f.size) {
      this.abandon(fileId);
      throw new ReceiveError('SIZE_MISMATCH', `file ${f.name}: bytes past its size`);
    }
    try {
      writeSync(f.fd, bytes, 0, bytes.length, offset);
    } catch (err) {
      this.abandon(fileId);
      throw new ReceiveError('WRITE_FAILED', `file ${f.name}: cannot write it (${reason(err)})`, { cause: err });
    }
    f.received += bytes.length;
    return f.received;
  }

  /** Stops receiving one file: closes its handle and deletes its `.part` (no-op for a file not expected). */
  abandon(fileId: string): void {
    const f = this.files.get(fileId);
    if (!f) return;
    this.files.delete(fileId);
    closeSync(f.fd);
    rmSync(f.part, { force: true });
  }

  /** Stops receiving every file (the session ended mid-transfer): no handle stays open, no `.part` stays behind. */
  clear(): void {
    for (const fileId of [...this.files.keys()]) this.abandon(fileId);
  }

  /**
   * Checks the byte count and the hash and moves the file into place; returns its path, or throws a
   * ReceiveError (SIZE_MISMATCH, HASH_MISMATCH, WRITE_FAILED) and deletes the part.
   */
  done(fileId: string): string {
    const f = this.files.get(fileId);
    if (!f) throw new Error(`unexpected file ${fileId}`);
    this.files.delete(fileId);
    closeSync(f.fd);
    try {
      if (f.received !== f.size) throw new ReceiveError('SIZE_MISMATCH', `file ${f.name}: ${f.received} of ${f.size} bytes arrived`);
      const actual = createHash('sha256').update(readFileSync(f.part)).digest('hex');
      if (actual !== f.sha256) throw new ReceiveError('HASH_MISMATCH', `file ${f.name}: SHA-256 mismatch (got ${actual})`);
      const target = freePath(this.dir, safeFileName(f.name));
      try {
        renameSync(f.part, target);
      } catch (err) {
        throw new ReceiveError('WRITE_FAILED', `file ${f.name}: cannot move it into place (${reason(err)})`, { cause: err });
      }
      return target;
    } catch (err) {
      rmSync(f.part, { force: true });
      throw err;
    }
  }
}
