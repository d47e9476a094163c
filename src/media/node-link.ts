import { type BatchEntry, encodeBatch } from './media-wire';

export interface NodeLinkOptions {
  /** This node's id (the batches' sender). */
  sender: string;
  /** Bytes queued for the next batch plus bytes published and not yet acknowledged never exceed this (one frame larger than it may pass alone). */
  maxBytes: number;
  /** A batch is published as soon as it holds this many bytes (else at the end of the turn). */
  maxBatchBytes: number;
  /** Publishes one batch on the receiver's channel; resolves when the store acknowledged it. */
  publish: (batch: Buffer) => Promise<void>;
  /** The backlog went back under half the bound after frames of these streams (`sessionId|monitor`) were dropped: ask for full frames. */
  onDrained: (streams: ReadonlySet<string>) => void;
  /** Runs `fn` at the end of this turn (setImmediate; tests pass their own). */
  defer: (fn: () => void) => void;
}

export interface LinkStats {
  /** Queued for the next batch + published and not yet acknowledged. */
  backlogBytes: number;
  peakBacklogBytes: number;
  batches: number;
  frames: number;
  droppedFrames: number;
  failedBatches: number;
}

interface Pending extends BatchEntry {
  stream: string;
}

/**
 * The frames this node forwards to one other node: batched per turn of the event loop and bounded
 * in bytes, so a slow or unreachable store never makes the agent's node buffer without end or wait.
 * When a frame does not fit, it is dropped and so is every later frame of its stream until the
 * backlog is back under half the bound; then `onDrained` asks for a full frame of those streams.
 * A batch the store refused counts as dropped the same way.
 */
export class NodeLink {
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private inFlight = 0;
  private seq = 0;
  private isFlushScheduled = false;
  private isClosed = false;
  /** Streams that lost frames and wait for the backlog to drain. */
  private readonly lagging = new Set<string>();
  private hasDroppedRecently = false;
  private readonly stats = { peakBacklogBytes: 0, batches: 0, frames: 0, droppedFrames: 0, failedBatches: 0 };

  constructor(private readonly opts: NodeLinkOptions) {}

  get backlogBytes(): number {
    return this.pendingBytes + this.inFlight;
  }

  /** Queues a frame for the next batch; false when it was dropped. */
  offer(stream: string, audienceSeq: number, bytes: Uint8Array): boolean {
    if (this.isClosed) return false;
    const size = bytes.byteLength;
    const backlog = this.backlogBytes;
    if (this.lagging.has(stream) || (backlog > 0 && backlog + size > this.opts.maxBytes)) {
      this.lagging.add(stream);
      this.stats.droppedFrames += 1;
      this.hasDroppedRecently = true;
      return false;
    }
    this.pending.push({ stream, audienceSeq, bytes });
    this.pendingBytes += size;
    this.stats.frames += 1;
    if (this.backlogBytes > this.stats.peakBacklogBytes) this.stats.peakBacklogBytes = this.backlogBytes;
    if (this.pendingBytes >= this.opts.maxBatchBytes || this.pending.length >= 0xffff) this.flush();
    else if (!this.isFlushScheduled) {
      this.isFlushScheduled = true;
      this.opts.defer(() => {
        this.isFlushScheduled = false;
        this.flush();
      });
    }
    return true;
  }

  /** Publishes what is queued as one batch. */
  flush(): void {
    if (this.pending.length === 0 || this.isClosed) return;
    const entries = this.pending;
    const size = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.seq = (this.seq + 1) >>> 0 || 1;
    const batch = encodeBatch(this.opts.sender, this.seq, entries);
    this.inFlight += size;
    this.stats.batches += 1;
    let published: Promise<void>;
    try {
      published = this.opts.publish(batch);
    } catch (err) {
      published = Promise.reject(err);
    }
    published.then(
      () => this.settled(size),
      () => {
        this.stats.failedBatches += 1;
        this.hasDroppedRecently = true;
        for (const e of entries) this.lagging.add(e.stream);
        this.settled(size);
      },
    );
  }

  /** Whether frames were dropped since the last call (for feedback); resets it. */
  takeDropped(): boolean {
    const dropped = this.hasDroppedRecently || this.lagging.size > 0;
    this.hasDroppedRecently = false;
    return dropped;
  }

  snapshot(): LinkStats {
    return { backlogBytes: this.backlogBytes, ...this.stats };
  }

  close(): void {
    this.isClosed = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.lagging.clear();
  }

  private settled(size: number): void {
    this.inFlight -= size;
    if (this.lagging.size === 0 || this.backlogBytes > this.opts.maxBytes / 2 || this.isClosed) return;
    const streams = new Set(this.lagging);
    this.lagging.clear();
    this.opts.onDrained(streams);
  }
}
