import { InvalidStateError } from '../cluster/ports';

/** A command the mailbox refused because it was full. */
export class MailboxFullError extends Error {
  override readonly name = 'MailboxFullError';
}

interface Job<T> { run: () => Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void }

/**
 * Runs one job to completion at a time, awaits included: the whole concurrency model of an actor.
 * Bounded; overflow rejects with MailboxFullError (answered BUSY). A job that throws rejects only
 * its own promise, never the jobs behind it.
 */
export class Mailbox {
  private readonly queue: Job<unknown>[] = [];
  private running = false;
  private closed = false;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  get isIdle(): boolean {
    return !this.running && this.queue.length === 0;
  }

  post<T>(run: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new InvalidStateError('mailbox is closed'));
    if (this.queue.length >= this.capacity) return Promise.reject(new MailboxFullError('mailbox full'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve, reject } as Job<unknown>);
      if (!this.running) void this.drain();
    });
  }

  /** Refuses new jobs; jobs already queued still run. */
  close(): void {
    this.closed = true;
  }

  /** Resolves when every queued job has run. */
  async idle(): Promise<void> {
    while (!this.isIdle) await new Promise<void>((r) => setImmediate(r));
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) {
        try {
          job.resolve(await job.run());
        } catch (err) {
          job.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
