import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';

const SAFE = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * The output of command shells, one file per shell under `<dir>/<sessionId>/<shellId>.log`: the session's
 * audit refers to it (ShellOpened/ShellClosed carry `transcripts/<sessionId>/<shellId>.log`) instead of
 * holding the bytes. Only what the remote shell's pseudo-terminal printed is kept, never the technician's
 * input itself: the command lines the terminal echoed are in it (as the technician's screen showed them),
 * what was typed with echo off (a password at a prompt) is not. Appends to one shell run in order; the
 * byte count is of what was written.
 */
export class ShellTranscripts {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly counts = new Map<string, number>();

  constructor(private readonly dir: string) {}

  /** The reference events carry for a shell's transcript. */
  static ref(sessionId: string, shellId: string): string {
    if (!SAFE.test(sessionId) || !SAFE.test(shellId)) throw new Error('unsafe transcript id');
    return `transcripts/${sessionId}/${shellId}.log`;
  }

  /** Queues output of a shell to its transcript. */
  append(sessionId: string, shellId: string, data: string): void {
    const ref = ShellTranscripts.ref(sessionId, shellId);
    const bytes = Buffer.from(data, 'utf8');
    this.counts.set(ref, (this.counts.get(ref) ?? 0) + bytes.length);
    const file = this.fileOf(ref);
    const prev = this.chains.get(ref) ?? mkdir(join(this.dir, sessionId), { recursive: true }).then(() => undefined);
    this.chains.set(ref, prev.then(() => appendFile(file, bytes)));
  }

  /** The bytes of output queued for a shell so far. */
  bytes(sessionId: string, shellId: string): number {
    return this.counts.get(ShellTranscripts.ref(sessionId, shellId)) ?? 0;
  }

  /** Waits for the writes of a shell and forgets its chain; the bytes written so far. */
  async finish(sessionId: string, shellId: string): Promise<number> {
    const ref = ShellTranscripts.ref(sessionId, shellId);
    await this.chains.get(ref);
    this.chains.delete(ref);
    const count = this.counts.get(ref) ?? 0;
    this.counts.delete(ref);
    return count;
  }

  /** The text of a transcript by its reference. */
  async read(ref: string): Promise<string> {
    return readFile(this.fileOf(ref), 'utf8');
  }

  private fileOf(ref: string): string {
    const rel = normalize(ref.replace(/^transcripts\//, ''));
    if (rel.startsWith('..') || rel.includes(`..${sep}`)) throw new Error('bad transcript reference');
    return join(this.dir, rel);
  }
}
