import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { CustomerPrompt } from './customer-prompt';
import { IncomingFiles } from './incoming-files';

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

interface Offer { name: string; size: number; sha256: string; from: string }
interface Progress { name: string; size: number; said: number }
interface Waiting { resolve: (accept: boolean) => void }

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
 * SHA-256 and picks a safe, free name); `send PATH` at the prompt offers a file of this desktop to
 * the session's members and streams it once one of them accepted. Progress is said in quarters.
 * The content never goes anywhere but the wire and the file.
 */
export class FileTransfers {
  private readonly offers = new Map<string, Offer>();
  private readonly receiving = new Map<string, Progress>();
  private readonly answers = new Map<string, Waiting>();
  /** Technicians' offers whose question is still open at the prompt: aborted to withdraw it. */
  private readonly asked = new Map<string, AbortController>();
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
  onSessionEvent(sessionId: string, e: { type: string; fileId?: string; name?: string; size?: number; sha256?: string; accept?: boolean; actor?: { kind?: string; name?: string } }): void {
    if (e.type === 'FileOffered' && e.fileId && e.actor?.kind !== 'customer') {
      const offer: Offer = { name: String(e.name), size: Number(e.size), sha256: String(e.sha256), from: e.actor?.name ?? 'A technician' };
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
      this.incoming.expect(e.fileId, offer.name, offer.size, offer.sha256);
      this.receiving.set(e.fileId, { name: offer.name, size: offer.size, said: 0 });
      this.ports.prompt.notice(`receiving ${offer.name} (${formatBytes(offer.size)})`);
    }
    // Last, so the next open question (if any) is asked after these lines.
    withdrawn?.abort();
  }

  /** Bytes of an accepted file. */
  onChunk(fileId: string, offset: number, data: string): void {
    try {
      const received = this.incoming.chunk(fileId, offset, data);
      const p = this.receiving.get(fileId);
      if (!p) return;
      const q = quarter(received, p.size);
      if (q > p.said && q < 4) {
        p.said = q;
        this.ports.prompt.notice(`receiving ${p.name}: ${q * 25}%`);
      }
    } catch (err) {
      this.ports.log(`file ${fileId}: ${(err as Error).message}`);
    }
  }

  /** The sender is done: check and move into place. */
  onDone(fileId: string): void {
    this.receiving.delete(fileId);
    try {
      this.ports.prompt.notice(`file received: ${this.incoming.done(fileId)}`);
    } catch (err) {
      this.ports.prompt.notice(`file not saved: ${(err as Error).message}`);
      this.ports.log(`file ${fileId}: ${(err as Error).message}`);
    }
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
      accepted = new Promise<boolean>((resolve) => this.answers.set(fileId, { resolve }));
    } catch (err) {
      return say(`cannot send ${name}: ${describe(err)}`);
    }
    say(`offered ${name} (${formatBytes(size)}); waiting for the technician to accept`);
    if (!(await accepted)) return say(`${name} was not accepted`);
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
    for (const w of this.answers.values()) w.resolve(false);
    this.answers.clear();
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
