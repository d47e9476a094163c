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

/**
 * Files a technician sends to this desktop: chunks are written at their offsets into a hidden `.part`
 * file; when the sender is done, the SHA-256 is checked and the file moves to its safe, free name.
 */
export class IncomingFiles {
  private readonly files = new Map<string, Incoming>();

  constructor(private readonly dir: string = downloadsDir()) {}

  /** An accepted offer: remember what to expect. */
  expect(fileId: string, name: string, size: number, sha256: string): void {
    mkdirSync(this.dir, { recursive: true });
    const part = join(this.dir, `.tandem-${fileId.replace(/[^A-Za-z0-9_-]/g, '_')}.part`);
    this.files.set(fileId, { name, size, sha256, part, fd: openSync(part, 'w', 0o600), received: 0 });
  }

  chunk(fileId: string, offset: number, base64: string): number {
    const f = this.files.get(fileId);
    if (!f) throw new Error(`unexpected file ${fileId}`);
    const bytes = Buffer.from(base64, 'base64');
    if (offset + bytes.length > f.size) throw new Error(`file ${fileId}: bytes past its size`);
    writeSync(f.fd, bytes, 0, bytes.length, offset);
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

  /** Checks the hash and moves the file into place; returns its path, or throws (and deletes the part). */
  done(fileId: string): string {
    const f = this.files.get(fileId);
    if (!f) throw new Error(`unexpected file ${fileId}`);
    this.files.delete(fileId);
    closeSync(f.fd);
    const actual = createHash('sha256').update(readFileSync(f.part)).digest('hex');
    if (actual !== f.sha256) {
      rmSync(f.part, { force: true });
      throw new Error(`file ${f.name}: SHA-256 mismatch (got ${actual})`);
    }
    const target = freePath(this.dir, safeFileName(f.name));
    renameSync(f.part, target);
    return target;
  }
}
