import { base64Bytes } from './base64';
import type { SessionEvent } from './protocol';

/** Bytes of one `file.chunk` (as the desktop agent sends them): 256 KiB, base64 on the wire, under the 512 KiB the server takes. */
export const FILE_CHUNK_BYTES = 256 * 1024;

/** The SHA-256 of some bytes, as the 64 lowercase hex digits `file.offer` carries. */
export async function sha256Hex(data: BufferSource): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A name safe to save under: the last path part only (a name like `../../etc/x` becomes `x`), without
 * control characters or characters Windows refuses, without leading dots, at most 120 characters.
 */
export function safeFileName(name: string): string {
  const last = name.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed.
  const clean = last.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^[.\s]+/, '').replace(/[.\s]+$/, '').slice(0, 120);
  return clean || 'download';
}

/** Why a file did not arrive, in words (the `code` of `file.result` and of the FileFailed event). */
export const FILE_FAILURES: Record<string, string> = {
  HASH_MISMATCH: 'the file arrived damaged (SHA-256 mismatch)',
  SIZE_MISMATCH: 'the file arrived incomplete (size mismatch)',
  WRITE_FAILED: 'the customer\'s desktop could not write it to disk',
  CANCELLED: 'the transfer was cancelled before it was complete',
};

export const failureText = (code: unknown): string => FILE_FAILURES[String(code)] ?? String(code);

/** How the receiver said a file arrived: the session's FileDelivered or FileFailed for it, if any yet. */
export function fileOutcome(events: readonly SessionEvent[], fileId: string): SessionEvent | undefined {
  return events.find((e) => (e.type === 'FileDelivered' || e.type === 'FileFailed') && e.fileId === fileId);
}

/** The `file.result` a receiving page reports for the outcome of its Reassembly check. */
export function resultOf(r: { ok: true } | { ok: false; code: 'FILE_INCOMPLETE' | 'HASH_MISMATCH' }): { ok: true } | { ok: false; code: 'HASH_MISMATCH' | 'SIZE_MISMATCH' } {
  if (r.ok) return { ok: true };
  return { ok: false, code: r.code === 'FILE_INCOMPLETE' ? 'SIZE_MISMATCH' : 'HASH_MISMATCH' };
}

/** The limit in a server's FILE_TOO_LARGE message (`files are limited to N bytes`), or null. */
export function limitOf(message: string): number | null {
  const m = /limited to (\d+) bytes/.exec(message);
  return m ? Number(m[1]) : null;
}

/**
 * The bytes of one file arriving in `file.chunk`s (any order, each at its offset), checked at `file.done`
 * against the size and SHA-256 of the offer. `keep: false` only counts (a page that is not the receiver).
 */
export class Reassembly {
  private readonly parts = new Map<number, Uint8Array<ArrayBuffer>>();
  private readonly seen = new Set<number>();
  received = 0;

  constructor(readonly size: number, readonly sha256: string, private readonly keep = true) {}

  add(offset: number, data: string): void {
    if (offset < 0 || this.seen.has(offset)) return;
    this.seen.add(offset);
    if (!this.keep) {
      this.received += (data.length / 4) * 3 - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0);
      return;
    }
    const bytes = base64Bytes(data);
    this.received += bytes.length;
    this.parts.set(offset, bytes);
  }

  /** The whole file if it is complete and its hash matches; otherwise the code of what is wrong. */
  async finish(): Promise<{ ok: true; blob: Blob } | { ok: false; code: 'FILE_INCOMPLETE' | 'HASH_MISMATCH'; message: string }> {
    const ordered = [...this.parts.entries()].sort((a, b) => a[0] - b[0]);
    let at = 0;
    for (const [offset, bytes] of ordered) {
      if (offset !== at) break;
      at += bytes.length;
    }
    if (at !== this.size || this.received !== this.size) return { ok: false, code: 'FILE_INCOMPLETE', message: `${this.received} of ${this.size} bytes arrived` };
    const all = new Uint8Array(this.size);
    for (const [offset, bytes] of ordered) all.set(bytes, offset);
    this.parts.clear();
    const got = await sha256Hex(all);
    if (got !== this.sha256) return { ok: false, code: 'HASH_MISMATCH', message: `the SHA-256 of the bytes is ${got.slice(0, 12)}…, the offer said ${this.sha256.slice(0, 12)}…` };
    return { ok: true, blob: new Blob([all]) };
  }
}
