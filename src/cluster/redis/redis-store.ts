import { Logger } from '@nestjs/common';
import Redis, { type RedisOptions } from 'ioredis';
import {
  type AppendResult, type AuditEntry, type AuditLog, type Bus, type Fence, InvalidStateError, type Journal, type JournalEntry, type KeyValue, type LeaseGrant,
  type LeaseStore, type Snapshot, type Store, StoreUnavailableError, type Unsubscribe,
} from '../ports';
import { AUDIT_KEY, binaryChannel, binaryChannelName, busChannel, busChannelName, kvKey, setKey, streamKeys } from './keys';
import { SCRIPTS } from './scripts';

const logger = new Logger('redis-store');

/** Where Redis is and how hard an append waits for replicas. RedisConfig (config.schema.ts) fits. */
export interface RedisStoreOptions {
  /** `redis://host:port/db`; ignored when sentinels are given. */
  url?: string;
  /** Sentinel addresses; when non-empty the primary of `masterName` is found (and followed) through them. */
  sentinels?: ReadonlyArray<{ host: string; port: number }>;
  masterName?: string;
  /** After each append, WAIT for this many replicas (0: do not wait). Fewer acks are logged, not refused. */
  waitReplicas?: number;
  waitTimeoutMs?: number;
  /**
   * How long a call waits for a (re)connection, and for a reply, before it rejects with
   * StoreUnavailableError. Default 2000.
   */
  unavailableAfterMs?: number;
  /** Shown in CLIENT LIST, e.g. the node id. */
  connectionName?: string;
}

/** The custom commands the scripts of scripts.ts become on the client. */
interface ScriptCommands {
  tandemAcquire(lease: string, epoch: string, holder: string, ttlMs: number): Promise<number | null>;
  tandemRenew(lease: string, holder: string, epoch: number, ttlMs: number): Promise<number>;
  tandemRelease(lease: string, holder: string, epoch: number): Promise<number>;
  tandemCurrent(lease: string): Promise<[string, number] | null>;
  tandemAppend(journal: string, lease: string, expectedVersion: number, fenceEpoch: string, ...events: string[]): Promise<[string, number]>;
  tandemReplaceIf(key: string, expected: string, next: string): Promise<number>;
}
type Client = Redis & ScriptCommands;

/** Reply errors that mean "this node cannot serve you now" rather than "your command is wrong". */
const UNAVAILABLE_REPLY = /^(READONLY|LOADING|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/;

/**
 * The shared store on Redis (one primary, optionally behind Sentinel). One connection carries every
 * command; a second one is in subscriber mode for the bus. Commands are never queued while the
 * connection is down: a call waits up to `unavailableAfterMs` for the connection to come back and
 * otherwise rejects with StoreUnavailableError, so callers fail fast instead of hanging.
 * See docs/cluster-store.md for the key scheme, the scripts' guarantees and the WAIT choice.
 */
export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly leases: LeaseStore;
  readonly journal: Journal;
  readonly bus: Bus;
  readonly kv: KeyValue;
  readonly audit: AuditLog;
  private readonly client: Client;
  private readonly subscriber: Redis;
  private readonly channels = new Map<string, Channel>();
  private readonly binary: RedisBinaryBus;
  /** Redis channels being unsubscribed because a message came that nobody here wants. */
  private readonly dropping = new Set<string>();
  private readonly unavailableAfterMs: number;
  /** Called once the text channels are subscribed again after the subscriber connection dropped (Bus.onGap). */
  private readonly gapHandlers = new Set<() => void>();
  /** The subscriber connection was ready once: each later `ready` follows a drop. */
  private wasReady = false;
  /** Messages that came on a renewed connection before the gap handlers ran, delivered right after them. */
  private parked: Array<[string, string]> | null = null;
  private closed = false;
  private closing?: Promise<void>;

  constructor(options: RedisStoreOptions) {
    this.unavailableAfterMs = options.unavailableAfterMs ?? 2000;
    this.client = connect(options, 'cmd', this.unavailableAfterMs) as Client;
    this.subscriber = connect(options, 'sub', this.unavailableAfterMs);
    this.subscriber.on('message', (channel: string, message: string) => {
      if (this.parked) this.parked.push([channel, message]);
      else this.dispatch(channel, message);
    });
    this.subscriber.on('ready', () => this.subscriberReady());
    const run: Runner = (op, fn, conn) => this.run(op, fn, conn);
    this.leases = new RedisLeases(this.client, run);
    this.journal = new RedisJournal(this.client, run, options.waitReplicas ?? 0, options.waitTimeoutMs ?? 500);
    this.binary = new RedisBinaryBus((role) => connect(options, role, this.unavailableAfterMs), run, () => this.closed);
    this.bus = new RedisBus(this.client, this.subscriber, this.channels, run, this.binary, this.gapHandlers);
    this.kv = new RedisKeyValue(this.client, run);
    this.audit = new RedisAudit(this.client, run);
  }

  async ping(): Promise<void> {
    await this.run('ping()', () => this.client.ping());
    // The bus is part of readiness: a node that cannot hear the others is not ready either.
    await this.run('ping()', async () => undefined, this.subscriber);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.closing ??= (async () => {
      this.channels.clear();
      await Promise.all([quit(this.client), quit(this.subscriber), this.binary.close()]);
    })();
    return this.closing;
  }

  /**
   * Runs one store call: refuses on a closed store, waits (bounded) for the connection to be ready,
   * and turns connection failures into StoreUnavailableError. Reply errors that are bugs pass through.
   */
  private async run<T>(op: string, fn: () => Promise<T>, conn: Redis = this.client): Promise<T> {
    if (this.closed) throw new InvalidStateError(`${op} on a closed store`);
    try {
      await whenReady(conn, this.unavailableAfterMs, () => this.closed);
      return await fn();
    } catch (err) {
      if (this.closed) throw new InvalidStateError(`${op} on a closed store`, { cause: err });
      if (isUnavailable(err)) throw new StoreUnavailableError(`${op} failed: Redis unavailable (${errorMessage(err)})`, { cause: err });
      throw err;
    }
  }

  /**
   * The subscriber connection is ready: the first time, nothing was subscribed before; after a drop,
   * the channels are subscribed again here (not by ioredis's autoResubscribe, which is off for this
   * connection: it sends the SUBSCRIBE but nobody can await its reply) and the gap handlers are
   * called only once Redis has confirmed the SUBSCRIBE, and before any message that came on the new
   * connection is delivered (ioredis hands over messages parsed in the same read as the confirmation
   * before the awaiting code runs: they are parked until the handlers ran). So a handler sees exactly
   * the messages delivered before the drop, and whatever it reads from the journal afterwards cannot
   * miss a commit: one published after the SUBSCRIBE is delivered live.
   */
  private subscriberReady(): void {
    if (!this.wasReady) {
      this.wasReady = true;
      return;
    }
    void this.resubscribe();
  }

  private async resubscribe(): Promise<void> {
    const names = [...this.channels.keys()];
    const parked: Array<[string, string]> = [];
    this.parked = parked;
    try {
      if (names.length > 0) await this.subscriber.subscribe(...names.map(busChannel));
      if (this.closed) return;
      logger.log(`bus subscriptions renewed after a reconnect; messages published meanwhile may be lost [channels:${names.length}]`);
      for (const handler of [...this.gapHandlers]) {
        try {
          handler();
        } catch (err) {
          logger.error({ err }, 'bus gap handler failed');
        }
      }
    } catch (err) {
      if (this.closed) return;
      // Dropped again (the next ready tries again), or refused: a new connection tries again.
      logger.warn({ err }, `resubscribe after a reconnect failed [channels:${names.length}]`);
      if (this.subscriber.status === 'ready') this.subscriber.disconnect(true);
    } finally {
      if (this.parked === parked) this.parked = null;
      for (const [channel, message] of parked) this.dispatch(channel, message);
    }
  }

  private dispatch(redisChannel: string, message: string): void {
    const name = busChannelName(redisChannel);
    const channel = name === null ? undefined : this.channels.get(name);
    if (!channel) {
      this.dropStray(redisChannel);
      return;
    }
    // A copy: a handler may unsubscribe itself (or others) while we deliver.
    for (const handler of [...channel.handlers]) {
      try {
        handler(message);
      } catch (err) {
        logger.error({ err }, `subscriber failed [channel:${name}]`);
      }
    }
  }

  /**
   * A message for a channel with no handlers: an UNSUBSCRIBE that could not be sent (or failed) while
   * the channel's SUBSCRIBE was still on the connection. Drops it once, lazily.
   */
  private dropStray(redisChannel: string): void {
    if (this.closed || this.dropping.has(redisChannel) || this.subscriber.status !== 'ready') return;
    this.dropping.add(redisChannel);
    this.subscriber.unsubscribe(redisChannel)
      .catch((err: unknown) => logger.warn({ err }, `unsubscribe() of a channel without handlers failed [${redisChannel}]`))
      .finally(() => this.dropping.delete(redisChannel));
  }
}

type Runner = <T>(op: string, fn: () => Promise<T>, conn?: Redis) => Promise<T>;
type Handler = (message: string) => void;
/** A channel's local handlers and the one SUBSCRIBE they share (the string and the binary bus alike). */
interface Subscribed<H> { handlers: Set<H>; subscribed: Promise<unknown> }
type Channel = Subscribed<Handler>;

/** Adds `handler` to `channel`, subscribing in Redis for the first handler only; undone if that fails. */
async function joinChannel<H>(channels: Map<string, Subscribed<H>>, channel: string, handler: H, subscribe: () => Promise<unknown>): Promise<Subscribed<H>> {
  let entry = channels.get(channel);
  if (!entry) {
    entry = { handlers: new Set(), subscribed: subscribe() };
    channels.set(channel, entry);
  }
  const joined = entry;
  joined.handlers.add(handler);
  try {
    await joined.subscribed;
  } catch (err) {
    joined.handlers.delete(handler);
    if (channels.get(channel) === joined) channels.delete(channel);
    throw err;
  }
  return joined;
}

/** Removes `handler`; true when it was the channel's last, so the caller unsubscribes in Redis. */
function leaveChannel<H>(channels: Map<string, Subscribed<H>>, channel: string, entry: Subscribed<H>, handler: H): boolean {
  if (!entry.handlers.delete(handler) || entry.handlers.size > 0) return false;
  if (channels.get(channel) !== entry) return false;
  channels.delete(channel);
  return true;
}

class RedisLeases implements LeaseStore {
  constructor(private readonly client: Client, private readonly run: Runner) {}

  async acquire(key: string, holder: string, ttlMs: number): Promise<LeaseGrant | null> {
    const k = streamKeys(key);
    // Taken before the command is sent, so the local expiresAt is never later than Redis's.
    const sentAt = Date.now();
    const epoch = await this.run(`acquire() [${key}]`, () => this.client.tandemAcquire(k.lease, k.epoch, holder, ms(ttlMs)));
    return epoch === null ? null : { key, holder, epoch: Number(epoch), expiresAt: sentAt + ttlMs };
  }

  async renew(key: string, holder: string, epoch: number, ttlMs: number): Promise<boolean> {
    const k = streamKeys(key);
    return (await this.run(`renew() [${key}, epoch:${epoch}]`, () => this.client.tandemRenew(k.lease, holder, epoch, ms(ttlMs)))) === 1;
  }

  async release(key: string, holder: string, epoch: number): Promise<void> {
    const k = streamKeys(key);
    await this.run(`release() [${key}, epoch:${epoch}]`, () => this.client.tandemRelease(k.lease, holder, epoch));
  }

  async current(key: string): Promise<LeaseGrant | null> {
    const k = streamKeys(key);
    const reply = await this.run(`current() [${key}]`, () => this.client.tandemCurrent(k.lease));
    if (!reply) return null;
    const [value, pttl] = reply;
    const sep = value.indexOf(':');
    return { key, holder: value.slice(sep + 1), epoch: Number(value.slice(0, sep)), expiresAt: Date.now() + Number(pttl) };
  }
}

class RedisJournal implements Journal {
  /** Warnings about missing replica acks are rate-limited: one per this many ms. */
  private lastWaitWarning = 0;

  constructor(private readonly client: Client, private readonly run: Runner, private readonly waitReplicas: number, private readonly waitTimeoutMs: number) {}

  async append(stream: string, expectedVersion: number, events: readonly unknown[], fence: Fence | null): Promise<AppendResult> {
    const k = streamKeys(stream);
    // The fence names a lease key; it is the stream itself in practice, which keeps one slot.
    const lease = fence ? streamKeys(fence.key).lease : k.lease;
    const payload = events.map((e) => JSON.stringify(e) ?? 'null');
    const op = `append() [${stream}, v:${expectedVersion}, epoch:${fence?.epoch ?? '-'}]`;
    const [code, version] = await this.run(op, () =>
      this.client.tandemAppend(k.journal, lease, expectedVersion, fence ? String(fence.epoch) : '', ...payload));
    if (code !== 'OK') return { ok: false, code: code as 'FENCED' | 'VERSION_CONFLICT', version: Number(version) };
    if (this.waitReplicas > 0) await this.waitForReplicas(op);
    return { ok: true, version: Number(version) };
  }

  /**
   * WAIT on the connection that wrote. The append is already applied on the primary, so a shortfall
   * (or a failed WAIT) cannot undo it: it is logged and the append still succeeds. The risk taken is
   * that a failover within the replication lag loses the newest events (see docs/cluster-store.md).
   */
  private async waitForReplicas(op: string): Promise<void> {
    let acked: number | string = 0;
    let failure: unknown;
    try {
      acked = await this.client.wait(this.waitReplicas, this.waitTimeoutMs);
    } catch (err) {
      failure = err;
    }
    if (Number(acked) >= this.waitReplicas) return;
    const now = Date.now();
    if (now - this.lastWaitWarning < 5000) return;
    this.lastWaitWarning = now;
    const message = `${op} acknowledged by ${Number(acked)}/${this.waitReplicas} replicas within ${this.waitTimeoutMs} ms; kept (see docs/cluster-store.md)`;
    if (failure === undefined) logger.warn(message);
    else logger.warn({ err: failure }, message);
  }

  async read(stream: string, afterVersion: number, limit?: number): Promise<JournalEntry[]> {
    const start = Math.max(0, Math.floor(afterVersion));
    if (limit !== undefined && limit <= 0) return [];
    const stop = limit === undefined ? -1 : start + Math.floor(limit) - 1;
    const raw = await this.run(`read() [${stream}, after:${afterVersion}]`, () => this.client.lrange(streamKeys(stream).journal, start, stop));
    return raw.map((e, i) => ({ version: start + i + 1, event: JSON.parse(e) as unknown }));
  }

  async version(stream: string): Promise<number> {
    return this.run(`version() [${stream}]`, () => this.client.llen(streamKeys(stream).journal));
  }

  async saveSnapshot(stream: string, snapshot: Snapshot): Promise<void> {
    await this.run(`saveSnapshot() [${stream}, v:${snapshot.version}]`, () => this.client.set(streamKeys(stream).snapshot, JSON.stringify(snapshot)));
  }

  async loadSnapshot(stream: string): Promise<Snapshot | null> {
    const raw = await this.run(`loadSnapshot() [${stream}]`, () => this.client.get(streamKeys(stream).snapshot));
    return raw === null ? null : (JSON.parse(raw) as Snapshot);
  }
}

class RedisBus implements Bus {
  constructor(
    private readonly client: Client, private readonly subscriber: Redis, private readonly channels: Map<string, Channel>, private readonly run: Runner,
    private readonly binary: RedisBinaryBus, private readonly gapHandlers: Set<() => void>,
  ) {}

  onGap(handler: () => void): () => void {
    const entry = (): void => handler();
    this.gapHandlers.add(entry);
    return () => void this.gapHandlers.delete(entry);
  }

  publishBuffer(channel: string, message: Uint8Array): Promise<void> {
    return this.binary.publish(channel, message);
  }

  subscribeBuffer(channel: string, handler: (message: Buffer) => void): Promise<Unsubscribe> {
    return this.binary.subscribe(channel, handler);
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.run(`publish() [channel:${channel}]`, () => this.client.publish(busChannel(channel), message));
  }

  /** One SUBSCRIBE per channel however many handlers; the last unsubscribe sends UNSUBSCRIBE. */
  async subscribe(channel: string, handler: Handler): Promise<Unsubscribe> {
    const op = `subscribe() [channel:${channel}]`;
    return this.run(op, async () => {
      const joined = await joinChannel(this.channels, channel, handler, () => this.subscriber.subscribe(busChannel(channel)));
      return () => this.unsubscribe(channel, joined, handler);
    }, this.subscriber);
  }

  /** Idempotent, and never rejects: locally the handler is gone at once, whatever Redis says. */
  private async unsubscribe(channel: string, entry: Channel, handler: Handler): Promise<void> {
    if (!leaveChannel(this.channels, channel, entry, handler)) return;
    // Commands on one connection run in order, so a later SUBSCRIBE of this channel still wins.
    if (this.subscriber.status !== 'ready') return;
    await this.subscriber.unsubscribe(busChannel(channel)).catch((err: unknown) => logger.warn({ err }, `unsubscribe() failed [channel:${channel}]`));
  }
}

type BufferHandler = (message: Buffer) => void;
type BinaryChannel = Subscribed<BufferHandler>;

/**
 * The binary bus (`tandem:bin:<channel>`): media tiles, on a connection pair of its own opened on
 * first use. So megabytes of tiles never queue in front of a journal append or a forwarded command
 * on the command connection, and when Redis drops a subscriber that fell behind
 * (`client-output-buffer-limit pubsub`) it drops this one, which loses tiles (the media layer asks
 * for a refresh), never the commits that carry holds, removals and ends.
 */
class RedisBinaryBus {
  private conns?: { pub: Redis; sub: Redis };
  private readonly channels = new Map<string, BinaryChannel>();
  private readonly dropping = new Set<string>();

  constructor(private readonly open: (role: Role) => Redis, private readonly run: Runner, private readonly isClosed: () => boolean) {}

  async publish(channel: string, message: Uint8Array): Promise<void> {
    const op = `publishBuffer() [channel:${channel}]`;
    const { pub } = this.connections(op);
    const bytes = Buffer.isBuffer(message) ? message : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    await this.run(op, () => pub.publish(binaryChannel(channel), bytes), pub);
  }

  async subscribe(channel: string, handler: BufferHandler): Promise<Unsubscribe> {
    const op = `subscribeBuffer() [channel:${channel}]`;
    const { sub } = this.connections(op);
    return this.run(op, async () => {
      const joined = await joinChannel(this.channels, channel, handler, () => sub.subscribe(binaryChannel(channel)));
      return () => this.unsubscribe(channel, joined, handler);
    }, sub);
  }

  async close(): Promise<void> {
    this.channels.clear();
    if (this.conns) await Promise.all([quit(this.conns.pub), quit(this.conns.sub)]);
  }

  private connections(op: string): { pub: Redis; sub: Redis } {
    if (this.isClosed()) throw new InvalidStateError(`${op} on a closed store`);
    if (!this.conns) {
      const pub = this.open('bin');
      const sub = this.open('bin-sub');
      sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.dispatch(channel.toString(), message));
      this.conns = { pub, sub };
    }
    return this.conns;
  }

  private async unsubscribe(channel: string, entry: BinaryChannel, handler: BufferHandler): Promise<void> {
    if (!leaveChannel(this.channels, channel, entry, handler)) return;
    const sub = this.conns?.sub;
    if (!sub || sub.status !== 'ready') return;
    await sub.unsubscribe(binaryChannel(channel)).catch((err: unknown) => logger.warn({ err }, `unsubscribe() failed [binary channel:${channel}]`));
  }

  private dispatch(redisChannel: string, message: Buffer): void {
    const name = binaryChannelName(redisChannel);
    const channel = name === null ? undefined : this.channels.get(name);
    if (!channel) {
      // See RedisStore.dropStray: an UNSUBSCRIBE lost while the connection was down.
      const sub = this.conns?.sub;
      if (this.isClosed() || !sub || this.dropping.has(redisChannel) || sub.status !== 'ready') return;
      this.dropping.add(redisChannel);
      sub.unsubscribe(redisChannel)
        .catch((err: unknown) => logger.warn({ err }, `unsubscribe() of a channel without handlers failed [${redisChannel}]`))
        .finally(() => this.dropping.delete(redisChannel));
      return;
    }
    for (const handler of [...channel.handlers]) {
      try {
        handler(message);
      } catch (err) {
        logger.error({ err }, `subscriber failed [binary channel:${name}]`);
      }
    }
  }
}

/**
 * A Redis Stream, `tandem:audit`: XADD with an id chosen by Redis (its clock, so ids only grow across
 * nodes), the entry as one field. A time range is an XRANGE over those ids, a page at a time.
 */
class RedisAudit implements AuditLog {
  constructor(private readonly client: Client, private readonly run: Runner) {}

  async append(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.run('audit.append()', async () => {
      const pipeline = this.client.pipeline();
      for (const e of entries) pipeline.xadd(AUDIT_KEY, '*', 'e', JSON.stringify(e));
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
    });
  }

  async *scan(from: number, to: number, pageSize: number): AsyncIterable<AuditEntry[]> {
    let start = `${Math.max(0, Math.floor(from))}-0`;
    const end = `${Math.max(0, Math.ceil(to) - 1)}-18446744073709551615`;
    for (;;) {
      const rows = await this.run('audit.scan()', () => this.client.xrange(AUDIT_KEY, start, end, 'COUNT', pageSize));
      if (rows.length === 0) return;
      yield rows.map(([, fields]) => JSON.parse(fields[1] ?? '{}') as AuditEntry);
      if (rows.length < pageSize) return;
      start = `(${rows[rows.length - 1]![0]}`;
    }
  }

  async trim(before: number): Promise<number> {
    return this.run('audit.trim()', () => this.client.xtrim(AUDIT_KEY, 'MINID', `${Math.max(0, Math.floor(before))}-0`));
  }
}

class RedisKeyValue implements KeyValue {
  constructor(private readonly client: Client, private readonly run: Runner) {}

  async get(key: string): Promise<string | null> {
    return this.run(`kv.get() [${key}]`, () => this.client.get(kvKey(key)));
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    await this.run(`kv.set() [${key}]`, () =>
      ttlMs ? this.client.set(kvKey(key), value, 'PX', ms(ttlMs)) : this.client.set(kvKey(key), value));
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const reply = await this.run(`kv.setIfAbsent() [${key}]`, () =>
      ttlMs ? this.client.set(kvKey(key), value, 'PX', ms(ttlMs), 'NX') : this.client.set(kvKey(key), value, 'NX'));
    return reply === 'OK';
  }

  async take(key: string): Promise<string | null> {
    return this.run(`kv.take() [${key}]`, () => this.client.getdel(kvKey(key)));
  }

  async replaceIf(key: string, expected: string, next: string | null): Promise<boolean> {
    if (next === '') throw new Error('kv.replaceIf(): an empty value is not a record');
    return (await this.run(`kv.replaceIf() [${key}]`, () => this.client.tandemReplaceIf(kvKey(key), expected, next ?? ''))) === 1;
  }

  async delete(key: string): Promise<void> {
    await this.run(`kv.delete() [${key}]`, () => this.client.del(kvKey(key)));
  }

  async setAdd(key: string, member: string): Promise<void> {
    await this.run(`kv.setAdd() [${key}]`, () => this.client.sadd(setKey(key), member));
  }

  async setRemove(key: string, member: string): Promise<void> {
    await this.run(`kv.setRemove() [${key}]`, () => this.client.srem(setKey(key), member));
  }

  async setMembers(key: string): Promise<string[]> {
    return this.run(`kv.setMembers() [${key}]`, () => this.client.smembers(setKey(key)));
  }
}

/** PX takes whole, positive milliseconds. */
function ms(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}

/** One ioredis connection, set up to fail fast and to reconnect forever without crashing anything. */
type Role = 'cmd' | 'sub' | 'bin' | 'bin-sub';

function connect(options: RedisStoreOptions, role: Role, unavailableAfterMs: number): Redis {
  const waitTimeoutMs = options.waitTimeoutMs ?? 500;
  const common: RedisOptions = {
    // RESP2: a plain subscriber connection and Lua nil as null, the most travelled path.
    protocol: 2,
    connectionName: options.connectionName ? `tandem-${role}-${options.connectionName}` : `tandem-${role}`,
    // Never queue while disconnected and never resend after a reconnect: a call either runs now on
    // a ready connection or fails, so a reported failure is not silently applied later.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // The text subscriber renews its channels itself, to know when Redis confirmed them (Bus.onGap).
    autoResubscribe: role !== 'sub',
    // A reply must come within the bound (longer than a WAIT, which legitimately blocks).
    commandTimeout: Math.max(unavailableAfterMs, waitTimeoutMs + 1000),
    connectTimeout: unavailableAfterMs,
    // ioredis keeps a timer of this length per dropped socket, even one already closed; a short one
    // lets a closed store stop holding the event loop open.
    disconnectTimeout: 200,
    retryStrategy: (times) => Math.min(50 * times, 500),
    // A demoted primary answers writes with READONLY: find the new one.
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
    scripts: role === 'cmd' ? SCRIPTS : undefined,
  };
  const sentinels = options.sentinels ?? [];
  const client = sentinels.length > 0
    ? new Redis({ ...common, sentinels: sentinels.map((s) => ({ host: s.host, port: s.port })), name: options.masterName ?? 'mymaster', failoverDetector: true, sentinelRetryStrategy: (times) => Math.min(100 * times, 1000) })
    : new Redis(options.url || 'redis://127.0.0.1:6379', common);
  watch(client, role);
  return client;
}

/** Logs connection trouble instead of letting an unhandled 'error' event kill the process; rate-limited. */
function watch(client: Redis, role: string): void {
  let lastLogged = 0;
  let suppressed = 0;
  let troubled = false;
  client.on('error', (err: Error) => {
    troubled = true;
    const now = Date.now();
    if (now - lastLogged < 5000) {
      suppressed++;
      return;
    }
    lastLogged = now;
    logger.warn(`redis ${role} connection error: ${err.message}${suppressed ? ` (${suppressed} more suppressed)` : ''}`);
    suppressed = 0;
  });
  client.on('ready', () => {
    if (troubled) logger.log(`redis ${role} connection ready again`);
    troubled = false;
  });
}

/** Resolves once `client` is ready; rejects when it is not within `timeoutMs`, or when it ends. */
function whenReady(client: Redis, timeoutMs: number, isClosed: () => boolean): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('end', onEnd);
      if (err) reject(err);
      else resolve();
    };
    const onReady = (): void => done();
    const onEnd = (): void => done(new Error(isClosed() ? 'connection closed' : 'connection ended'));
    const timer = setTimeout(() => done(new Error(`not connected within ${timeoutMs} ms (status: ${client.status})`)), timeoutMs);
    client.on('ready', onReady);
    client.on('end', onEnd);
  });
}

/** QUIT when the connection is up (pending replies drain first), else drop it; never rejects. */
async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await client.quit();
    } catch {
      // Fall through: whatever happened, the connection is dropped below.
    }
  }
  client.disconnect();
}

function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return true;
  if (err.name === 'ReplyError') return UNAVAILABLE_REPLY.test(err.message);
  return true;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
