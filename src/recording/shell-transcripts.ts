import { Logger } from '@nestjs/common';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';

const SAFE = /^[A-Za-z0-9_-]{1,80}$/;

/** Output of one shell waiting for the disk at most; past it output is left out of the transcript (a gap, marked in the file). */
export const TRANSCRIPT_QUEUE_BYTES = 1024 * 1024;

/** The line a transcript ends with once it reached its cap (the output after it is not kept). */
export function truncationNote(maxBytes: number): string {
  return `\r\n[transcript truncated: the output past ${maxBytes} bytes is not kept (shell.transcriptMaxBytes)]\r\n`;
}

/** The line where output was left out because the disk was behind. */
export function gapNote(bytes: number): string {
  return `\r\n[transcript gap: ${bytes} bytes of output not kept here, the disk was behind]\r\n`;
}

export interface TranscriptOptions {
  /** Output bytes a transcript keeps (`shell.transcriptMaxBytes`); then a note ends it. */
  maxBytes?: number;
  /** Bytes of one transcript that may wait for the disk. */
  maxQueueBytes?: number;
}

/** One shell's transcript while it runs. */
interface Transcript {
  readonly sessionId: string;
  readonly shellId: string;
  readonly file: string;
  readonly dirReady: Promise<void>;
  /** Waiting for the disk, in order; written as one append. */
  queue: Buffer[];
  /** Bytes waiting or being written. */
  queued: number;
  /** The append in progress, if any. */
  writing: Promise<void> | null;
  /** Bytes given to the file, notes included. */
  written: number;
  /** Output bytes in the file. */
  kept: number;
  /** Output bytes past the cap (not kept). */
  omitted: number;
  /** Output bytes left out while the disk was behind, in all; and in the gap still open (its note not written yet). */
  gapBytes: number;
  openGap: number;
  /** A write failed (it was logged once; later ones are not). */
  hasFailed: boolean;
}

/** The longest prefix of `bytes` no longer than `max` that does not end inside a UTF-8 sequence. */
function utf8Prefix(bytes: Buffer, max: number): Buffer {
  if (bytes.length <= max) return bytes;
  let end = Math.max(0, max);
  // Back off continuation bytes (10xxxxxx) to the lead byte of their sequence, which is left out too.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/**
 * The output of command shells, one file per shell under `<dir>/<sessionId>/<shellId>.log`: the session's
 * audit refers to it (ShellOpened/ShellClosed carry `transcripts/<sessionId>/<shellId>.log`) instead of
 * holding the bytes. Only what the remote shell's pseudo-terminal printed is kept, never the technician's
 * input itself: the command lines the terminal echoed are in it (as the technician's screen showed them),
 * what was typed with echo off (a password at a prompt) is not. Appends to one shell run in order; the
 * byte count is of what was written.
 *
 * A flood (`yes`) costs a bounded amount: a transcript keeps at most `maxBytes` of output, then ends with
 * a note saying so (ShellClosed's `truncated`); what waits for the disk is written in one append per turn
 * and holds at most `maxQueueBytes` — output arriving while that much waits is left out, and a note marks
 * the gap (ShellClosed's `gaps`), as a recording drops frames while its store is behind.
 */
export class ShellTranscripts {
  private readonly logger = new Logger('transcripts');
  private readonly open = new Map<string, Transcript>();
  private readonly maxBytes: number;
  private readonly maxQueueBytes: number;

  constructor(private readonly dir: string, options: TranscriptOptions = {}) {
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.maxQueueBytes = options.maxQueueBytes ?? TRANSCRIPT_QUEUE_BYTES;
  }

  /** The reference events carry for a shell's transcript. */
  static ref(sessionId: string, shellId: string): string {
    if (!SAFE.test(sessionId) || !SAFE.test(shellId)) throw new Error('unsafe transcript id');
    return `transcripts/${sessionId}/${shellId}.log`;
  }

  /** Queues output of a shell to its transcript; past the cap, or while the disk is behind, it is only counted. */
  append(sessionId: string, shellId: string, data: string): void {
    const t = this.transcriptOf(sessionId, shellId);
    const all = Buffer.from(data, 'utf8');
    if (t.omitted > 0) {
      t.omitted += all.length;
      return;
    }
    if (t.queued + all.length > this.maxQueueBytes) {
      t.gapBytes += all.length;
      t.openGap += all.length;
      return;
    }
    this.closeGap(t);
    const kept = utf8Prefix(all, this.maxBytes - t.kept);
    this.put(t, kept);
    t.kept += kept.length;
    if (kept.length < all.length) {
      t.omitted = all.length - kept.length;
      this.put(t, Buffer.from(truncationNote(this.maxBytes), 'utf8'));
      this.logger.warn(`transcript truncated at ${this.maxBytes} bytes [session:${sessionId}, shell:${shellId}]`);
    }
    this.kick(t);
  }

  /** The bytes of a shell's transcript queued so far (its file's size once written). */
  bytes(sessionId: string, shellId: string): number {
    return this.stateOf(sessionId, shellId)?.written ?? 0;
  }

  /** What became of a shell's output: kept in the file, left out past the cap, left out while the disk was behind. */
  accounting(sessionId: string, shellId: string): { kept: number; omitted: number; gapBytes: number } {
    const t = this.stateOf(sessionId, shellId);
    return { kept: t?.kept ?? 0, omitted: t?.omitted ?? 0, gapBytes: t?.gapBytes ?? 0 };
  }

  /** The shell ended: a gap still open is marked; the transcript's final size and what was left out of it. */
  end(sessionId: string, shellId: string): { bytes: number; omitted: number; gapBytes: number } {
    const t = this.stateOf(sessionId, shellId);
    if (!t) return { bytes: 0, omitted: 0, gapBytes: 0 };
    this.closeGap(t);
    this.kick(t);
    return { bytes: t.written, omitted: t.omitted, gapBytes: t.gapBytes };
  }

  /** Resolves once everything is written (and forgets the shell) with the bytes written; marks a gap still open first. */
  async finish(sessionId: string, shellId: string): Promise<number> {
    const t = this.stateOf(sessionId, shellId);
    if (!t) return 0;
    this.end(sessionId, shellId);
    while (t.writing) await t.writing;
    if (this.open.get(ShellTranscripts.ref(sessionId, shellId)) === t) this.open.delete(ShellTranscripts.ref(sessionId, shellId));
    return t.written;
  }

  /** The text of a transcript by its reference. */
  async read(ref: string): Promise<string> {
    return readFile(this.fileOf(ref), 'utf8');
  }

  private stateOf(sessionId: string, shellId: string): Transcript | undefined {
    return this.open.get(ShellTranscripts.ref(sessionId, shellId));
  }

  private transcriptOf(sessionId: string, shellId: string): Transcript {
    const ref = ShellTranscripts.ref(sessionId, shellId);
    let t = this.open.get(ref);
    if (!t) {
      const dirReady = Promise.resolve().then(() => mkdir(join(this.dir, sessionId), { recursive: true })).then(() => undefined);
      t = { sessionId, shellId, file: this.fileOf(ref), dirReady, queue: [], queued: 0, writing: null, written: 0, kept: 0, omitted: 0, gapBytes: 0, openGap: 0, hasFailed: false };
      this.open.set(ref, t);
    }
    return t;
  }

  private put(t: Transcript, bytes: Buffer): void {
    if (bytes.length === 0) return;
    t.queue.push(bytes);
    t.queued += bytes.length;
    t.written += bytes.length;
  }

  /** Marks where output was left out, once output is kept again (or the shell ended). */
  private closeGap(t: Transcript): void {
    if (t.openGap === 0) return;
    this.put(t, Buffer.from(gapNote(t.openGap), 'utf8'));
    this.logger.warn(`transcript gap of ${t.openGap} bytes: the disk was behind [session:${t.sessionId}, shell:${t.shellId}]`);
    t.openGap = 0;
  }

  /** Starts writing what waits, unless a write is on its way (it takes the rest when it is done). */
  private kick(t: Transcript): void {
    if (t.writing || t.queue.length === 0) return;
    t.writing = this.drain(t).finally(() => { t.writing = null; });
  }

  private async drain(t: Transcript): Promise<void> {
    await t.dirReady.catch(() => undefined);
    while (t.queue.length > 0) {
      const bytes = t.queue.length === 1 ? t.queue[0]! : Buffer.concat(t.queue);
      t.queue = [];
      try {
        await appendFile(t.file, bytes);
      } catch (err) {
        if (!t.hasFailed) this.logger.error({ err }, `transcript write failed [session:${t.sessionId}, shell:${t.shellId}]`);
        t.hasFailed = true;
      }
      t.queued -= bytes.length;
    }
  }

  private fileOf(ref: string): string {
    const rel = normalize(ref.replace(/^transcripts\//, ''));
    if (rel.startsWith('..') || rel.includes(`..${sep}`)) throw new Error('bad transcript reference');
    return join(this.dir, rel);
  }
}
