import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { CustomerPrompt } from './customer-prompt';
import { IncomingFiles, ReceiveError } from './incoming-files';

/** Bytes of one `file.chunk` (base64 on the wire: 4/3 of this, under the DTO's 700,000 characters). */
export const FILE_CHUNK_BYTES = 256 * 1024;

/** What the transfers need from the agent's connection. */
export interface FileTransferPorts {
  /** Sends a command and resolves with its ack, or rejects with the server's `{code, message}`. */
  request(event: string, data: unknown): Promise<Record<string, unknown>>;
  /** Sends the customer's answer in order with their other answers (called once the customer answered). */
  answer(event: string, data: unknown): void;
  prompt: CustomerPrompt;
  log: (line: string) => void;
}

interface Offer { name: string; size: number; sha256: string; from: string; fromId?: string }
interface Progress { sessionId: string; name: string; size: number; said: number }
interface Waiting { resolve: (accept: boolean) => void }
/** A session event, as far as files go. */
export interface FileEvent { type: string; fileId?: string; name?: string; size?: number; sha256?: string; accept?: boolean; savedAs?: string; code?: string; memberId?: string; actor?: { kind?: string; id?: string; name?: string } }

/** Why a file did not arrive, in words (the `code` of `file.result` and FileFailed). */
export const FILE_FAILURES: Record<string, string> = {
  HASH_MISMATCH: 'the file arrived damaged (SHA-256 mismatch)',
  SIZE_MISMATCH: 'the file arrived incomplete (size mismatch)',
  WRITE_FAILED: 'it could not be written to disk',
  CANCELLED: 'the transfer was cancelled before it was complete',
};
const failureText = (code: string | undefined): string => FILE_FAILURES[code ?? ''] ?? String(code);

/** "3.0 MB", "740 KB", "12 B" — for the customer's notices. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} B`;
}

/** The quarter (0..4) a transfer has reached: a progress line is said once per quarter. */
const quarter = (done: number, size: number): number => (size === 0 ? 4 : Math.floor((4 * done) / size));

/**
 * The customer's side of file transfer (docs/protocol.md, "Files"): a technician's offer is put to
 * the customer; an accepted file is received into the Downloads folder (IncomingFiles checks the
 * size and SHA-256 and picks a safe, free name) and the sender is told how it arrived (`file.result`:
 * saved under which name, or why not); `send PATH` at the prompt offers a file of this desktop to
 * the session's members and streams it once one of them accepted, and the customer reads what the
 * receiver reported. Progress is said in quarters. The content never goes anywhere but the wire and the file.
 */
export class FileTransfers {
  private readonly offers = new Map<string, Offer>();
  private readonly receiving = new Map<string, Progress>();
  private readonly answers = new Map<string, Waiting>();
  /** The customer's own files offered in this session (fileId → name): the receiver's report is said. */
  private readonly mine = new Map<string, string>();
  /** Technicians' offers whose question is still open at the prompt: aborted to withdraw it. */
  private readonly asked = new Map<string, AbortController>();
  /** Open questions whose offer was cancelled (FileFailed CANCELLED): withdrawn with the event that says why, which follows. */
  private cancelled: string[] = [];
  private maxBytes = Number.POSITIVE_INFINITY;

  constructor(private readonly ports: FileTransferPorts, private readonly incoming = new IncomingFiles()) {}

  /** The node's files.maxBytes (from the hello reply): larger files are refused before offering. */
  setMaxBytes(n: number): void {
    if (n > 0) this.maxBytes = n;
  }

  /**
   * A session event the agent received: offers to put to the customer, answers to the customer's offers.
   * An offer answered elsewhere (the customer panel) withdraws its question here: the customer is told
   * what was decided, an accepted file is still received, and a late answer at this prompt is not sent.
   */
  onSessionEvent(sessionId: string, e: FileEvent): void {
    if (e.type !== 'FileFailed') this.withdrawCancelled(e);
    if ((e.type === 'FileDelivered' || e.type === 'FileFailed') && e.fileId) return this.settled(e.fileId, e);
    if (e.type === 'FileOffered' && e.fileId && e.actor?.kind !== 'customer') {
      const offer: Offer = { name: String(e.name), size: Number(e.size), sha256: String(e.sha256), from: e.actor?.name ?? 'A technician', fromId: e.actor?.id };
      this.offers.set(e.fileId, offer);
      const fileId = e.fileId;
      const withdrawn = new AbortController();
      this.asked.set(fileId, withdrawn);
      void this.ports.prompt.askFile({ sessionId, fileId, name: offer.name, size: offer.size, from: { name: offer.from }, withdrawn: withdrawn.signal }).then((accept) => {
        // Withdrawn meanwhile (answered elsewhere, or the session is over): nothing to send.
        if (this.asked.get(fileId) !== withdrawn) return;
        this.asked.delete(fileId);
        this.ports.answer('file.respond', { sessionId, fileId, accept });
      });
      return;
    }
    if (e.type !== 'FileAnswered' || !e.fileId) return;
    const waiting = this.answers.get(e.fileId);
    if (waiting) {
      this.answers.delete(e.fileId);
      waiting.resolve(e.accept === true);
      return;
    }
    const offer = this.offers.get(e.fileId);
    this.offers.delete(e.fileId);
    if (!offer) return;
    const withdrawn = this.asked.get(e.fileId);
    const elsewhere = withdrawn !== undefined;
    this.asked.delete(e.fileId);
    if (elsewhere) {
      const where = e.actor?.kind === 'customer' || !e.actor?.name ? 'in the web panel' : `by ${e.actor.name}`;
      this.ports.prompt.notice(`the file ${JSON.stringify(offer.name)} was ${e.accept ? 'accepted' : 'refused'} ${where}`);
    }
    if (!e.accept) {
      if (!elsewhere) this.ports.prompt.notice(`refused ${offer.name}`);
    } else {
      try {
        this.incoming.expect(e.fileId, offer.name, offer.size, offer.sha256);
        this.receiving.set(e.fileId, { sessionId, name: offer.name, size: offer.size, said: 0 });
        this.ports.prompt.notice(`receiving ${offer.name} (${formatBytes(offer.size)})`);
      } catch (err) {
        this.failed(sessionId, e.fileId, offer.name, err);
      }
    }
    // Last, so the next open question (if any) is asked after these lines.
    withdrawn?.abort();
  }

  /**
   * Bytes of an accepted file. Bytes of a file not being received (it failed here already, or the session
   * is over: a few may still be on their way) are dropped without a word to the customer.
   */
  onChunk(fileId: string, offset: number, data: string): void {
    const p = this.receiving.get(fileId);
    if (!p || !this.incoming.has(fileId)) return this.ports.log(`file ${fileId}: bytes of a file not being received, dropped`);
    try {
      const received = this.incoming.chunk(fileId, offset, data);
      const q = quarter(received, p.size);
      if (q > p.said && q < 4) {
        p.said = q;
        this.ports.prompt.notice(`receiving ${p.name}: ${q * 25}%`);
      }
    } catch (err) {
      this.failed(p.sessionId, fileId, p.name, err);
    }
  }

  /** The sender is done: check, move into place, and tell the sender how it went. */
  onDone(fileId: string): void {
    const p = this.receiving.get(fileId);
    if (!p || !this.incoming.has(fileId)) return this.ports.log(`file ${fileId}: done for a file not being received, ignored`);
    try {
      const path = this.incoming.done(fileId);
      this.receiving.delete(fileId);
      this.ports.prompt.notice(`file received: ${path}`);
      this.report(p.sessionId, fileId, { ok: true, savedAs: basename(path) });
    } catch (err) {
      this.failed(p.sessionId, fileId, p.name, err);
    }
  }

  /** Receiving a file failed here: nothing of it stays, the customer reads why, the sender is told. */
  private failed(sessionId: string, fileId: string, name: string, err: unknown): void {
    this.receiving.delete(fileId);
    this.incoming.abandon(fileId);
    const code = err instanceof ReceiveError ? err.code : 'WRITE_FAILED';
    this.ports.prompt.notice(`file not saved: ${name}: ${failureText(code)}`);
    this.ports.log(`file ${fileId}: ${(err as Error).message}`);
    this.report(sessionId, fileId, { ok: false, code });
  }

  private report(sessionId: string, fileId: string, result: { ok: true; savedAs: string } | { ok: false; code: string }): void {
    this.ports.request('file.result', { sessionId, fileId, ...result }).catch((err) => this.ports.log(`file.result ${fileId}: ${describe(err)}`));
  }

  /**
   * A file's outcome was journaled: one this desktop receives was cancelled (its sender left, the customer was
   * disconnected) and its part goes; for one of the customer's own, the customer reads what its receiver said.
   */
  private settled(fileId: string, e: FileEvent): void {
    if (e.type === 'FileFailed' && this.asked.has(fileId)) {
      this.cancelled.push(fileId);
      return;
    }
    const p = this.receiving.get(fileId);
    if (p && e.type === 'FileFailed') {
      this.receiving.delete(fileId);
      this.incoming.abandon(fileId);
      this.ports.prompt.notice(`receiving ${p.name} stopped: ${failureText(e.code)}; nothing was saved`);
      return;
    }
    const name = this.mine.get(fileId);
    if (name === undefined) return;
    this.mine.delete(fileId);
    const who = e.actor?.name ?? 'the technician';
    this.ports.prompt.notice(e.type === 'FileDelivered' ? `${name} was received by ${who} (SHA-256 checked)` : `${name} did not arrive: ${failureText(e.code)}`);
  }

  /**
   * Offers cancelled while their question was open (their sender left or was removed, the customer was disconnected):
   * the server journals their FileFailed CANCELLED just before the event that says why (`next`), or the batch ends
   * (`next` undefined: the session.state after it). The customer reads why, the question goes, a late y/n sends nothing.
   */
  withdrawCancelled(next?: FileEvent): void {
    const withdrawn: AbortController[] = [];
    for (const fileId of this.cancelled.splice(0)) {
      const question = this.asked.get(fileId);
      const offer = this.offers.get(fileId);
      this.asked.delete(fileId);
      this.offers.delete(fileId);
      if (!question || !offer) continue;
      const sender = offer.fromId !== undefined && next?.memberId === offer.fromId;
      const why = sender && next?.type === 'MemberLeft' ? `${offer.from} left the session`
        : sender && next?.type === 'MemberRemoved' ? `${offer.from} was removed from the session` : 'the offer was cancelled';
      this.ports.prompt.notice(`the file ${JSON.stringify(offer.name)} was withdrawn: ${why}`);
      withdrawn.push(question);
    }
    // Last, and the later ones first: the next question still open is asked once, after these lines.
    for (const question of withdrawn.reverse()) question.abort();
  }

  /**
   * `send PATH`: offers the file to the session's members, waits for one to accept, streams it.
   * Resolves with what happened, as said to the customer; never throws.
   */
  async send(sessionId: string, path: string): Promise<string> {
    const say = (text: string): string => {
      this.ports.prompt.notice(text);
      return text;
    };
    let size: number;
    try {
      const st = await stat(path);
      if (!st.isFile()) return say(`cannot send ${path}: not a file`);
      size = st.size;
    } catch (err) {
      return say(`cannot send ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const name = basename(path);
    if (size > this.maxBytes) return say(`cannot send ${name}: ${formatBytes(size)} is over the limit of ${formatBytes(this.maxBytes)} (FILE_TOO_LARGE)`);
    let fileId: string;
    let accepted: Promise<boolean>;
    try {
      const sha256 = await sha256Of(path);
      const ack = await this.ports.request('file.offer', { sessionId, name, size, sha256 });
      fileId = String(ack.fileId);
      this.mine.set(fileId, name);
      accepted = new Promise<boolean>((resolve) => this.answers.set(fileId, { resolve }));
    } catch (err) {
      return say(`cannot send ${name}: ${describe(err)}`);
    }
    say(`offered ${name} (${formatBytes(size)}); waiting for the technician to accept`);
    if (!(await accepted)) {
      this.mine.delete(fileId);
      return say(`${name} was not accepted`);
    }
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(FILE_CHUNK_BYTES);
      let said = 0;
      for (let offset = 0; offset < size;) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(FILE_CHUNK_BYTES, size - offset), offset);
        if (bytesRead === 0) throw new Error('the file got shorter while sending');
        await this.ports.request('file.chunk', { sessionId, fileId, offset, data: buf.subarray(0, bytesRead).toString('base64') });
        offset += bytesRead;
        const q = quarter(offset, size);
        if (q > said && q < 4) {
          said = q;
          say(`sending ${name}: ${q * 25}%`);
        }
      }
      await this.ports.request('file.done', { sessionId, fileId });
      return say(`sent ${name} (${formatBytes(size)})`);
    } catch (err) {
      return say(`sending ${name} failed: ${describe(err)}`);
    } finally {
      await fh.close();
    }
  }

  /**
   * The session ended or the agent stops: pending offers both ways are over, their questions withdrawn,
   * and files half received are deleted (their hidden `.part` in Downloads and its open handle).
   */
  clear(): void {
    this.cancelled = [];
    for (const w of this.answers.values()) w.resolve(false);
    this.answers.clear();
    this.mine.clear();
    for (const [fileId, withdrawn] of [...this.asked]) {
      this.asked.delete(fileId);
      const offer = this.offers.get(fileId);
      if (offer) this.ports.prompt.notice(`the file ${JSON.stringify(offer.name)} is no longer offered`);
      withdrawn.abort();
    }
    this.offers.clear();
    // Files still arriving will never be done: their partial bytes go, and the customer is told.
    for (const p of this.receiving.values()) this.ports.prompt.notice(`receiving ${p.name} stopped: the session is over; nothing was saved`);
    this.receiving.clear();
    this.incoming.clear();
  }
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ? `${e.code}${e.message ? ` (${e.message})` : ''}` : String(e.message ?? err);
}

function sha256Of(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (c) => h.update(c)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}
