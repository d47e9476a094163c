import { Logger } from '@nestjs/common';
import {
  type AppendResult, type AuditEntry, type AuditLog, type Bus, type Fence, InvalidStateError, type Journal, type JournalEntry, type KeyValue, type LeaseGrant,
  type LeaseStore, type Snapshot, type Store, type Unsubscribe,
} from '../ports';

export type Clock = () => number;

const logger = new Logger('memory-store');

/** The embedded store: everything in this process. Same semantics as RedisStore, minus durability. */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly leases: MemoryLeases;
  readonly journal: MemoryJournal;
  readonly bus: MemoryBus;
  readonly kv: MemoryKeyValue;
  readonly audit: MemoryAudit;
  private closed = false;

  constructor(readonly clock: Clock = Date.now) {
    const alive = (): void => {
      if (this.closed) throw new InvalidStateError('store is closed');
    };
    this.leases = new MemoryLeases(clock, alive);
    this.journal = new MemoryJournal(this.leases, alive);
    this.bus = new MemoryBus(alive);
    this.kv = new MemoryKeyValue(clock, alive);
    this.audit = new MemoryAudit(alive);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new InvalidStateError('store is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.bus.clear();
  }
}

export class MemoryLeases implements LeaseStore {
  private readonly leases = new Map<string, LeaseGrant>();
  private readonly epochs = new Map<string, number>();

  constructor(private readonly clock: Clock, private readonly alive: () => void) {}

  async acquire(key: string, holder: string, ttlMs: number): Promise<LeaseGrant | null> {
    this.alive();
    const now = this.clock();
    const live = this.live(key, now);
    if (live && live.holder !== holder) return null;
    const epoch = live ? live.epoch : (this.epochs.get(key) ?? 0) + 1;
    this.epochs.set(key, epoch);
    const grant = { key, holder, epoch, expiresAt: now + ttlMs };
    this.leases.set(key, grant);
    return { ...grant };
  }

  async renew(key: string, holder: string, epoch: number, ttlMs: number): Promise<boolean> {
    this.alive();
    const now = this.clock();
    const live = this.live(key, now);
    if (!live || live.holder !== holder || live.epoch !== epoch) return false;
    live.expiresAt = now + ttlMs;
    return true;
  }

  async release(key: string, holder: string, epoch: number): Promise<void> {
    this.alive();
    const lease = this.leases.get(key);
    if (lease && lease.holder === holder && lease.epoch === epoch) this.leases.delete(key);
  }

  async current(key: string): Promise<LeaseGrant | null> {
    this.alive();
    const live = this.live(key, this.clock());
    return live ? { ...live } : null;
  }

  /** True when `fence` names the live lease of its key (used by the journal, synchronously). */
  isCurrent(fence: Fence): boolean {
    const live = this.live(fence.key, this.clock());
    return live !== null && live.epoch === fence.epoch;
  }

  private live(key: string, now: number): LeaseGrant | null {
    const lease = this.leases.get(key);
    return lease && lease.expiresAt > now ? lease : null;
  }
}

export class MemoryJournal implements Journal {
  private readonly streams = new Map<string, string[]>();
  private readonly snapshots = new Map<string, string>();

  constructor(private readonly leases: MemoryLeases, private readonly alive: () => void) {}

  async append(stream: string, expectedVersion: number, events: readonly unknown[], fence: Fence | null): Promise<AppendResult> {
    this.alive();
    const entries = this.streams.get(stream) ?? [];
    if (fence && !this.leases.isCurrent(fence)) return { ok: false, code: 'FENCED', version: entries.length };
    if (entries.length !== expectedVersion) return { ok: false, code: 'VERSION_CONFLICT', version: entries.length };
    // Stored serialised, as Redis would: a caller mutating its objects later cannot change history.
    for (const e of events) entries.push(JSON.stringify(e));
    this.streams.set(stream, entries);
    return { ok: true, version: entries.length };
  }

  async read(stream: string, afterVersion: number, limit?: number): Promise<JournalEntry[]> {
    this.alive();
    const entries = this.streams.get(stream) ?? [];
    const start = Math.max(0, afterVersion);
    const end = limit === undefined ? entries.length : Math.min(entries.length, start + limit);
    const out: JournalEntry[] = [];
    for (let i = start; i < end; i++) out.push({ version: i + 1, event: JSON.parse(entries[i]!) });
    return out;
  }

  async version(stream: string): Promise<number> {
    this.alive();
    return this.streams.get(stream)?.length ?? 0;
  }

  async saveSnapshot(stream: string, snapshot: Snapshot): Promise<void> {
    this.alive();
    this.snapshots.set(stream, JSON.stringify(snapshot));
  }

  async loadSnapshot(stream: string): Promise<Snapshot | null> {
    this.alive();
    const raw = this.snapshots.get(stream);
    return raw ? (JSON.parse(raw) as Snapshot) : null;
  }
}

export class MemoryBus implements Bus {
  private readonly channels = new Map<string, Set<(message: string) => void>>();
  /** Binary channels: a namespace of their own, as on Redis. */
  private readonly binary = new Map<string, Set<(message: Buffer) => void>>();

  constructor(private readonly alive: () => void) {}

  async publish(channel: string, message: string): Promise<void> {
    this.alive();
    deliver(this.channels, channel, message);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    this.alive();
    return join(this.channels, channel, handler);
  }

  /** The subscribers get the same bytes (a Buffer over them, not a copy). */
  async publishBuffer(channel: string, message: Uint8Array): Promise<void> {
    this.alive();
    const bytes = Buffer.isBuffer(message) ? message : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    deliver(this.binary, channel, bytes);
  }

  async subscribeBuffer(channel: string, handler: (message: Buffer) => void): Promise<Unsubscribe> {
    this.alive();
    return join(this.binary, channel, handler);
  }

  clear(): void {
    this.channels.clear();
    this.binary.clear();
  }
}

/** Delivered after the publisher's turn, like a network bus, and in publish order. */
function deliver<T>(channels: Map<string, Set<(message: T) => void>>, channel: string, message: T): void {
  const handlers = channels.get(channel);
  if (!handlers) return;
  for (const handler of [...handlers]) {
    queueMicrotask(() => {
      try {
        handler(message);
      } catch (err) {
        logger.error({ err }, `subscriber failed [channel:${channel}]`);
      }
    });
  }
}

function join<T>(channels: Map<string, Set<(message: T) => void>>, channel: string, handler: (message: T) => void): Unsubscribe {
  let set = channels.get(channel);
  if (!set) channels.set(channel, (set = new Set()));
  const mine = set;
  mine.add(handler);
  return async () => {
    mine.delete(handler);
    if (mine.size === 0 && channels.get(channel) === mine) channels.delete(channel);
  };
}

interface Entry { value: string; expiresAt: number }

export class MemoryKeyValue implements KeyValue {
  private readonly values = new Map<string, Entry>();
  private readonly sets = new Map<string, Set<string>>();

  constructor(private readonly clock: Clock, private readonly alive: () => void) {}

  async get(key: string): Promise<string | null> {
    this.alive();
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.alive();
    this.values.set(key, { value, expiresAt: ttlMs ? this.clock() + ttlMs : Infinity });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    this.alive();
    if (this.live(key)) return false;
    this.values.set(key, { value, expiresAt: ttlMs ? this.clock() + ttlMs : Infinity });
    return true;
  }

  async take(key: string): Promise<string | null> {
    this.alive();
    const entry = this.live(key);
    this.values.delete(key);
    return entry?.value ?? null;
  }

  async replaceIf(key: string, expected: string, next: string | null): Promise<boolean> {
    this.alive();
    if (this.live(key)?.value !== expected) return false;
    if (next === null) this.values.delete(key);
    else this.values.set(key, { value: next, expiresAt: Infinity });
    return true;
  }

  async delete(key: string): Promise<void> {
    this.alive();
    this.values.delete(key);
  }

  async setAdd(key: string, member: string): Promise<void> {
    this.alive();
    let set = this.sets.get(key);
    if (!set) this.sets.set(key, (set = new Set()));
    set.add(member);
  }

  async setRemove(key: string, member: string): Promise<void> {
    this.alive();
    const set = this.sets.get(key);
    set?.delete(member);
    if (set?.size === 0) this.sets.delete(key);
  }

  async setMembers(key: string): Promise<string[]> {
    this.alive();
    return [...(this.sets.get(key) ?? [])];
  }

  private live(key: string): Entry | null {
    const entry = this.values.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.clock()) {
      this.values.delete(key);
      return null;
    }
    return entry;
  }
}

/** Kept serialised and ordered by `at`; in one process that is also append order, almost always. */
export class MemoryAudit implements AuditLog {
  private readonly entries: Array<{ at: number; line: string }> = [];

  constructor(private readonly alive: () => void) {}

  async append(entries: readonly AuditEntry[]): Promise<void> {
    this.alive();
    for (const e of entries) {
      let i = this.entries.length;
      while (i > 0 && this.entries[i - 1]!.at > e.at) i--;
      this.entries.splice(i, 0, { at: e.at, line: JSON.stringify(e) });
    }
  }

  async *scan(from: number, to: number, pageSize: number): AsyncIterable<AuditEntry[]> {
    this.alive();
    let i = this.entries.findIndex((e) => e.at >= from);
    if (i < 0) return;
    while (i < this.entries.length && this.entries[i]!.at < to) {
      const page: AuditEntry[] = [];
      for (; i < this.entries.length && this.entries[i]!.at < to && page.length < pageSize; i++) page.push(JSON.parse(this.entries[i]!.line) as AuditEntry);
      yield page;
    }
  }

  async trim(before: number): Promise<number> {
    this.alive();
    const n = this.entries.findIndex((e) => e.at >= before);
    const count = n < 0 ? this.entries.length : n;
    this.entries.splice(0, count);
    return count;
  }
}
