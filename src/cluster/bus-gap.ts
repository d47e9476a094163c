/**
 * What a bus subscriber does when the bus reports a gap (Bus.onGap): read the store for what it may
 * have missed. Shared by every subscriber that catches up: the session fanout, requests, drain.
 */

/** A read after a gap whose reads failed runs again this much later, times the attempt. */
const RETRY_MS = 1000;
/** …at most this many times. */
const RETRIES = 5;

/**
 * Runs a catch-up after a bus gap: one run at a time (a gap reported during a run runs it again once
 * the run is over), and again 1 s, 2 s, … 5 s later while `run` reports failed reads (the store may
 * still be reconnecting). `run` returns how many reads failed and must not throw; a throw counts as
 * one failed read. `done` is called once a gap is over: a run without failures, or the retries spent.
 */
export class GapRun {
  private running: Promise<void> | null = null;
  private again = false;
  private retries = 0;
  private timer: NodeJS.Timeout | null = null;
  private isClosed = false;

  constructor(
    private readonly run: () => Promise<number>,
    private readonly failed: (err: unknown) => void,
    private readonly done: () => void = () => undefined,
  ) {}

  /** The bus may have lost messages: run, after the run in progress (if any). */
  trigger(): void {
    if (this.isClosed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run()
      .catch((err: unknown) => {
        this.failed(err);
        return 1;
      })
      .then((failures) => {
        this.running = null;
        if (this.isClosed) return;
        if (this.again) {
          this.again = false;
          this.trigger();
        } else if (failures > 0 && this.retries < RETRIES) {
          this.retries++;
          this.timer = setTimeout(() => this.trigger(), RETRY_MS * this.retries);
          this.timer.unref();
        } else {
          this.retries = 0;
          this.done();
        }
      });
  }

  /** Resolves when no run is in progress (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** No run starts any more; resolves once the one in progress is over. */
  async close(): Promise<void> {
    this.isClosed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.settled();
  }
}

/** Runs `fn` over `items` with at most `inFlight` running at once (store round trips overlap without flooding it). */
export async function eachLimited<T>(items: readonly T[], inFlight: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(inFlight, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}
