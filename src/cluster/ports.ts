/**
 * The store every node shares: leases with fencing epochs, append-only journals, a pub/sub bus and a
 * small key-value space with expiry. Two implementations: MemoryStore (one process, the embedded
 * default) and RedisStore (many nodes). Both pass the one contract suite in test/contract/.
 */

/** Who holds a lease and under which fencing epoch. Epochs only grow, per key, across all holders. */
export interface LeaseGrant {
  key: string;
  holder: string;
  epoch: number;
  expiresAt: number;
}

export interface LeaseStore {
  /**
   * Takes the lease when it is free or expired (a new, higher epoch), or renews it when `holder`
   * already holds it (same epoch). Null when another holder's lease is still live.
   */
  acquire(key: string, holder: string, ttlMs: number): Promise<LeaseGrant | null>;
  /** Extends a held lease; false when it lapsed or another holder took it (the caller is fenced). */
  renew(key: string, holder: string, epoch: number, ttlMs: number): Promise<boolean>;
  /** Gives the lease up at once, only if still held under this epoch. Idempotent. */
  release(key: string, holder: string, epoch: number): Promise<void>;
  /** The live lease, or null. */
  current(key: string): Promise<LeaseGrant | null>;
}

/** A fencing token: appends are accepted only while `epoch` is the key's current live lease epoch. */
export interface Fence {
  key: string;
  epoch: number;
}

export type AppendResult =
  | { ok: true; version: number }
  | { ok: false; code: 'FENCED' | 'VERSION_CONFLICT'; version: number };

export interface JournalEntry {
  /** 1-based position in the stream; the stream's version after this entry. */
  version: number;
  event: unknown;
}

export interface Snapshot {
  version: number;
  state: unknown;
}

export interface Journal {
  /**
   * Appends events atomically when the stream is at `expectedVersion` and, if a fence is given, its
   * epoch is the current lease epoch. All or nothing.
   */
  append(stream: string, expectedVersion: number, events: readonly unknown[], fence: Fence | null): Promise<AppendResult>;
  /** Entries with version > afterVersion, in order, at most `limit` (default: all). */
  read(stream: string, afterVersion: number, limit?: number): Promise<JournalEntry[]>;
  version(stream: string): Promise<number>;
  saveSnapshot(stream: string, snapshot: Snapshot): Promise<void>;
  loadSnapshot(stream: string): Promise<Snapshot | null>;
}

export type Unsubscribe = () => Promise<void>;

/** Fire-and-forget fan-out between nodes. Messages on one channel arrive in publish order. */
export interface Bus {
  publish(channel: string, message: string): Promise<void>;
  /** The handler must not throw; a throw is logged and ignored. */
  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe>;
  /**
   * Binary messages (media tiles), byte for byte. Binary channels are a namespace of their own (a
   * binary and a text channel of the same name never see each other's messages) and may travel on
   * connections of their own, so a burst of media never delays commits, commands or their replies.
   * Same order and delivery rules as `publish`. Optional: a bus without it is used through base64
   * text (see src/media/media-bus.ts).
   */
  publishBuffer?(channel: string, message: Uint8Array): Promise<void>;
  /**
   * The handler gets the message's bytes and may keep them; it must not throw. A publisher must not
   * change bytes it published (the memory bus hands the same bytes to its subscribers, uncopied).
   */
  subscribeBuffer?(channel: string, handler: (message: Buffer) => void): Promise<Unsubscribe>;
  /**
   * Delivery is at most once: a bus whose connection drops (a network blip, a killed subscriber
   * connection, a failover) loses what was published meanwhile, on every text channel. `handler` is
   * called once the subscriptions are live again after the bus may have dropped messages (never on
   * the first connect), so a subscriber can catch up from durable state (the journal, the kv space):
   * whatever is published from then on is delivered, so a read started in the handler misses nothing.
   * The handler must not throw. Returns a function that removes it. Optional: a bus that never
   * drops messages (the memory bus) need not have it. See docs/cluster.md, "When the bus drops".
   */
  onGap?(handler: () => void): () => void;
}

/** Small shared records: one-time codes, indexes, agent tokens. */
export interface KeyValue {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Sets only when absent; true when it did. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  /** Reads and deletes atomically: a one-time code can be taken once, across all nodes. */
  take(key: string): Promise<string | null>;
  /**
   * Compare-and-set: replaces the record with `next` (no expiry), or deletes it when `next` is null,
   * only while it holds `expected`; true when it did. A reservation changes hands without a window.
   */
  replaceIf(key: string, expected: string, next: string | null): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Members of a set (unordered). */
  setAdd(key: string, member: string): Promise<void>;
  setRemove(key: string, member: string): Promise<void>;
  setMembers(key: string): Promise<string[]>;
}

/** One line of the audit log: a session event or an admin action. Never credentials, tokens or file bytes. */
export interface AuditEntry {
  /** Milliseconds since the epoch, as the acting node saw it. */
  at: number;
  type: string;
  actor: { kind: string; id: string; name: string };
  sessionId: string | null;
  seq: number | null;
  node: string;
  details: Record<string, unknown>;
}

/** The cluster-wide, append-only audit log, read in time order a page at a time. */
export interface AuditLog {
  append(entries: readonly AuditEntry[]): Promise<void>;
  /** Entries with `from <= at < to` (by the store's clock, see docs/admin.md), oldest first, `pageSize` per page. */
  scan(from: number, to: number, pageSize: number): AsyncIterable<AuditEntry[]>;
  /** Drops entries older than `before`; returns how many (approximately, for Redis). */
  trim(before: number): Promise<number>;
}

export interface Store {
  readonly kind: 'memory' | 'redis';
  readonly audit: AuditLog;
  readonly leases: LeaseStore;
  readonly journal: Journal;
  readonly bus: Bus;
  readonly kv: KeyValue;
  /** Round-trips to the backing store; rejects when it is unreachable (readiness). */
  ping(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Methods called on a closed store, actor or handle reject with this. */
export class InvalidStateError extends Error {
  override readonly name = 'InvalidStateError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Another node now owns the stream: the caller must stop acting for it. */
export class FencedError extends Error {
  override readonly name = 'FencedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The store could not be reached (Redis down); the command was not applied. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
