import { Logger } from '@nestjs/common';
import { type Actor, isRejection, type Rejection } from '../domain';
import { FencedError, InvalidStateError, type LeaseGrant, type Store } from '../cluster/ports';
import type { AggregateSpec } from './aggregate';
import { GENESIS, seal, type Sealed } from './event-chain';
import { Mailbox } from './mailbox';

export interface ActorOptions {
  nodeId: string;
  leaseTtlMs: number;
  snapshotEvery: number;
  mailboxCapacity: number;
  clock: () => number;
}

/** What one accepted command produced, after it is in the journal. */
export interface Commit<S, E> {
  kind: string;
  id: string;
  events: E[];
  state: S;
  version: number;
}

export type AskResult<S, E> = { ok: true; commit: Commit<S, E> } | { ok: false; rejection: Rejection };

/** Another node holds the lease of this stream (routing must forward the command there). */
export class NotLocalError extends Error {
  override readonly name = 'NotLocalError';
  constructor(readonly stream: string, readonly holder: string) {
    super(`${stream} is held by node ${holder}`);
  }
}

const logger = new Logger('actor');

/**
 * One stream's actor: holds its lease, rebuilds its state from snapshot + journal, and runs commands
 * one at a time: decide → append under the fencing epoch → evolve → report the commit. Write first,
 * apply second: state only changes after the journal accepted the events.
 */
export class AggregateActor<S, C, E> {
  readonly stream: string;
  private state!: S;
  private version = 0;
  private lastSnapshot = 0;
  private lease: LeaseGrant | null = null;
  /** The hash of the stream's last event: the next append chains onto it (tamper evidence). */
  private head = GENESIS;
  private renewTimer: NodeJS.Timeout | null = null;
  private readonly mailbox: Mailbox;
  private closed = false;
  lastUsed: number;

  constructor(
    private readonly spec: AggregateSpec<S, C, E>,
    readonly id: string,
    private readonly store: Store,
    private readonly opts: ActorOptions,
    private readonly onCommit: (commit: Commit<S, E>) => void,
    private readonly onFenced: (actor: AggregateActor<S, C, E>) => void,
  ) {
    this.stream = `${spec.kind}:${id}`;
    this.mailbox = new Mailbox(opts.mailboxCapacity);
    this.lastUsed = opts.clock();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The stream kind (`session`, `request`, …). */
  get kind(): string {
    return this.spec.kind;
  }

  get exists(): boolean {
    return this.version > 0;
  }

  /** Takes the lease and replays the journal. Throws NotLocalError when another node holds it. */
  async activate(): Promise<void> {
    const grant = await this.store.leases.acquire(this.stream, this.opts.nodeId, this.opts.leaseTtlMs);
    if (!grant) {
      const holder = await this.store.leases.current(this.stream);
      throw new NotLocalError(this.stream, holder?.holder ?? 'unknown');
    }
    this.lease = grant;
    const snapshot = await this.store.journal.loadSnapshot(this.stream);
    let state = snapshot ? (snapshot.state as S) : this.spec.initial(this.id);
    let version = snapshot?.version ?? 0;
    const entries = await this.store.journal.read(this.stream, version);
    for (const entry of entries) {
      state = this.spec.evolve(state, entry.event as E);
      version = entry.version;
    }
    this.state = state;
    this.version = version;
    const last = entries.length > 0 ? entries[entries.length - 1] : version > 0 ? (await this.store.journal.read(this.stream, version - 1, 1))[0] : undefined;
    this.head = (last?.event as Partial<Sealed> | undefined)?.hash ?? GENESIS;
    this.lastSnapshot = snapshot?.version ?? 0;
    const every = Math.max(50, Math.floor(this.opts.leaseTtlMs / 3));
    this.renewTimer = setInterval(() => void this.renew(), every);
    this.renewTimer.unref();
  }

  /** Runs one command through the domain. Rejections are values; store failures throw. */
  ask(command: C, actor: Actor): Promise<AskResult<S, E>> {
    this.lastUsed = this.opts.clock();
    return this.mailbox.post(async () => {
      this.assertOpen();
      await this.ensureLease();
      const now = this.opts.clock();
      const decision = this.spec.decide(this.state, command, actor, now);
      if (isRejection(decision)) return { ok: false, rejection: decision.rejection };
      if (decision.events.length === 0) return { ok: true, commit: this.commitOf([]) };
      const { sealed, head } = seal(decision.events as unknown as object[], this.head);
      const result = await this.store.journal.append(this.stream, this.version, sealed, { key: this.stream, epoch: this.lease!.epoch });
      if (!result.ok) {
        logger.warn(`append() refused ${result.code} [${this.stream}, v:${this.version}, epoch:${this.lease?.epoch}]`);
        this.fenced();
        throw new FencedError(`${this.stream}: ${result.code}`);
      }
      const events = sealed as unknown as E[];
      this.state = events.reduce((s, e) => this.spec.evolve(s, e), this.state);
      this.version = result.version;
      this.head = head;
      const commit = this.commitOf(events);
      this.onCommit(commit);
      if (this.version - this.lastSnapshot >= this.opts.snapshotEvery) await this.snapshot();
      return { ok: true, commit };
    });
  }

  /** Reads the state inside the mailbox, after every command before it. */
  query<T>(read: (state: S, version: number) => T): Promise<T> {
    this.lastUsed = this.opts.clock();
    return this.mailbox.post(async () => {
      this.assertOpen();
      return read(this.state, this.version);
    });
  }

  /** Like query(), but does not count as a use: a read that must not keep the actor from passivating. */
  peek<T>(read: (state: S, version: number) => T): Promise<T> {
    return this.mailbox.post(async () => {
      this.assertOpen();
      return read(this.state, this.version);
    });
  }

  get isIdle(): boolean {
    return this.mailbox.isIdle;
  }

  /** Finishes queued commands, then releases the lease. Idempotent. */
  async passivate(): Promise<void> {
    if (this.closed) return;
    this.mailbox.close();
    await this.mailbox.idle();
    this.closed = true;
    this.stopRenew();
    if (this.lease) {
      await this.store.leases.release(this.stream, this.opts.nodeId, this.lease.epoch).catch((err: unknown) => logger.warn({ err }, `release() failed [${this.stream}]`));
      this.lease = null;
    }
  }

  /**
   * Before deciding: a lease close to lapsing (a long pause, a stalled renew) is taken again. If it had
   * lapsed and another node wrote meanwhile, the new epoch comes with a catch-up from the journal, so
   * the decision is made on the latest state; if another node holds it now, this actor is fenced.
   */
  private async ensureLease(): Promise<void> {
    const lease = this.lease!;
    if (this.opts.clock() < lease.expiresAt - this.opts.leaseTtlMs / 3) return;
    const grant = await this.store.leases.acquire(this.stream, this.opts.nodeId, this.opts.leaseTtlMs);
    if (!grant) {
      logger.warn(`fenced: lease taken by another node [${this.stream}, epoch:${lease.epoch}]`);
      this.fenced();
      throw new FencedError(`${this.stream}: lease taken by another node`);
    }
    if (grant.epoch !== lease.epoch) {
      for (const entry of await this.store.journal.read(this.stream, this.version)) {
        this.state = this.spec.evolve(this.state, entry.event as E);
        this.version = entry.version;
        this.head = (entry.event as Partial<Sealed>).hash ?? this.head;
      }
    }
    this.lease = grant;
  }

  private commitOf(events: E[]): Commit<S, E> {
    return { kind: this.spec.kind, id: this.id, events, state: this.state, version: this.version };
  }

  private async snapshot(): Promise<void> {
    try {
      await this.store.journal.saveSnapshot(this.stream, { version: this.version, state: this.state });
      this.lastSnapshot = this.version;
    } catch (err) {
      // A missed snapshot only makes the next activation replay more; the journal is the truth.
      logger.warn({ err }, `saveSnapshot() failed [${this.stream}, v:${this.version}]`);
    }
  }

  private async renew(): Promise<void> {
    if (this.closed || !this.lease) return;
    try {
      const lease = this.lease;
      const renewedAt = this.opts.clock();
      const ok = await this.store.leases.renew(this.stream, this.opts.nodeId, lease.epoch, this.opts.leaseTtlMs);
      if (ok) lease.expiresAt = renewedAt + this.opts.leaseTtlMs;
      else if (this.lease === lease && !(await this.retake())) {
        logger.warn(`lease lost [${this.stream}, epoch:${lease.epoch}]`);
        this.fenced();
      }
    } catch (err) {
      // The store is unreachable: keep the lease until renew definitely fails; appends stay fenced by the store.
      logger.warn({ err }, `renew() failed [${this.stream}]`);
    }
  }

  /** A lapsed lease that nobody else took can be taken again (through the mailbox, to catch up safely). */
  private async retake(): Promise<boolean> {
    const holder = await this.store.leases.current(this.stream);
    if (holder && holder.holder !== this.opts.nodeId) return false;
    // The next command's ensureLease re-acquires and catches up; mark the lease as due now.
    if (this.lease) this.lease.expiresAt = 0;
    return true;
  }

  private fenced(): void {
    if (this.closed) return;
    this.closed = true;
    this.mailbox.close();
    this.stopRenew();
    this.lease = null;
    this.onFenced(this);
  }

  private stopRenew(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = null;
  }

  private assertOpen(): void {
    if (this.closed) throw new InvalidStateError(`actor ${this.stream} is closed`);
  }
}
