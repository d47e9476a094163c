/** One relayed frame waiting for a viewer's socket. The bytes are shared by every viewer's queue. */
export interface QueuedFrame {
  readonly data: Uint8Array;
  readonly sessionId: string;
  readonly monitor: number;
  readonly frameSeq: number;
  /**
   * What a newer frame replaces: tiles by session, monitor and rectangle; cursor, screen info and
   * end-of-frame records by session, monitor and type. Undefined: never superseded.
   */
  readonly key?: string;
}

interface Slot {
  /** Null once sent, superseded or purged: skipped by `shift`, no longer counted, its bytes released. */
  frame: QueuedFrame | null;
  readonly size: number;
  readonly key: string | undefined;
}

export type OfferResult = 'queued' | 'full';

/**
 * A viewer's bounded queue in bytes. `offer` counts the bytes already in the socket (`inSocket`)
 * against the same bound, so queue + socket never exceed `maxBytes`. When a frame does not fit,
 * queued frames that a newer one with the same key replaces are dropped first (latest pixels, not
 * every pixel); if it still does not fit, the offer is refused and the caller drops the frame.
 *
 * Removal is lazy (slots are marked gone and skipped), so superseding and purging never shift the
 * array; the array is compacted once gone slots outnumber live ones, so its length stays within a
 * constant factor of the live frames whatever the viewer does.
 */
export class ViewerQueue {
  private slots: Slot[] = [];
  private head = 0;
  private liveBytes = 0;
  private liveCount = 0;
  /** The newest queued slot per key. */
  private readonly newest = new Map<string, Slot>();
  /** Queued slots that a newer slot with the same key replaces: the first to go under pressure. */
  private superseded: Slot[] = [];
  /** Frames dropped because a newer one replaced them. */
  supersededCount = 0;
  /** Eager: a newer frame replaces the queued one with its key at once, not only under pressure (a congested viewer). */
  isEager = false;

  constructor(readonly maxBytes: number) {}

  /** Bytes queued (not yet handed to the socket). */
  get bytes(): number {
    return this.liveBytes;
  }

  get length(): number {
    return this.liveCount;
  }

  /** Queues `frame` if it fits beside `inSocket` bytes, dropping superseded frames first when needed. */
  offer(frame: QueuedFrame, inSocket: number): OfferResult {
    const size = frame.data.byteLength;
    if (this.isEager && frame.key !== undefined) {
      const previous = this.newest.get(frame.key);
      if (previous && previous.frame) this.drop(previous, true);
    }
    if (inSocket + this.liveBytes + size > this.maxBytes) {
      // Under pressure: the frame this one replaces goes first, then any other replaced frame.
      const previous = frame.key === undefined ? undefined : this.newest.get(frame.key);
      if (previous && previous.frame) this.drop(previous, true);
      while (inSocket + this.liveBytes + size > this.maxBytes && this.superseded.length > 0) {
        const slot = this.superseded.pop() as Slot;
        if (slot.frame) this.drop(slot, true);
      }
      if (inSocket + this.liveBytes + size > this.maxBytes) return 'full';
    }
    const slot: Slot = { frame, size, key: frame.key };
    if (frame.key !== undefined) {
      const previous = this.newest.get(frame.key);
      if (previous && previous.frame) this.superseded.push(previous);
      this.newest.set(frame.key, slot);
    }
    this.slots.push(slot);
    this.liveBytes += size;
    this.liveCount += 1;
    this.compact();
    return 'queued';
  }

  /** The oldest queued frame, without removing it. */
  peek(): QueuedFrame | undefined {
    this.skipGone();
    return this.head < this.slots.length ? (this.slots[this.head].frame ?? undefined) : undefined;
  }

  /** Removes and returns the oldest queued frame. */
  shift(): QueuedFrame | undefined {
    this.skipGone();
    if (this.head >= this.slots.length) return undefined;
    const slot = this.slots[this.head++];
    const frame = slot.frame as QueuedFrame;
    this.release(slot);
    this.compact();
    return frame;
  }

  /** Drops every queued frame that matches; returns the bytes freed. */
  purge(matches: (frame: QueuedFrame) => boolean): number {
    let freed = 0;
    for (let i = this.head; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (slot.frame && matches(slot.frame)) {
        freed += slot.size;
        this.drop(slot, false);
      }
    }
    this.skipGone();
    this.compact();
    return freed;
  }

  clear(): void {
    this.slots = [];
    this.head = 0;
    this.liveBytes = 0;
    this.liveCount = 0;
    this.newest.clear();
    this.superseded = [];
  }

  private drop(slot: Slot, isSuperseded: boolean): void {
    this.release(slot);
    if (isSuperseded) this.supersededCount += 1;
  }

  private release(slot: Slot): void {
    slot.frame = null;
    this.liveBytes -= slot.size;
    this.liveCount -= 1;
    if (slot.key !== undefined && this.newest.get(slot.key) === slot) this.newest.delete(slot.key);
  }

  private skipGone(): void {
    while (this.head < this.slots.length && !this.slots[this.head].frame) this.head++;
    if (this.liveCount === 0) {
      // Nothing live is left: forget the gone slots at once (keeps memory flat for a stalled viewer).
      this.slots = [];
      this.head = 0;
      this.superseded = [];
    }
  }

  /** Keeps both arrays within a constant factor of the live slots (amortised O(1) per frame). */
  private compact(): void {
    const limit = this.liveCount * 2 + 64;
    if (this.slots.length > limit) {
      this.slots = this.slots.slice(this.head).filter((s) => s.frame !== null);
      this.head = 0;
    }
    if (this.superseded.length > limit) this.superseded = this.superseded.filter((s) => s.frame !== null);
  }
}
