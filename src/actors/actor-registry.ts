import { Logger } from '@nestjs/common';
import type { Actor } from '../domain';
import { InvalidStateError, type Store } from '../cluster/ports';
import type { AggregateSpec } from './aggregate';
import { MailboxFullError } from './mailbox';
import { AggregateActor, type ActorOptions, type AskResult, type Commit } from './aggregate.actor';

/** The stream has no events: no such session (or presence, …) exists. */
export class UnknownStreamError extends Error {
  override readonly name = 'UnknownStreamError';
}

export interface RegistryOptions extends ActorOptions {
  /** Actors unused this long are passivated; the next command replays them from the journal. */
  idleMs: number;
  /**
   * Per stream kind, an idle time other than `idleMs`: kinds whose streams change rarely (requests,
   * minutes apart) passivate after seconds, so a node does not renew one lease per stream it merely
   * touched once (store.requestActorIdleMs).
   */
  idleMsByKind?: Readonly<Record<string, number>>;
}

type AnyActor = AggregateActor<unknown, unknown, unknown>;
type AnySpec = AggregateSpec<unknown, unknown, unknown>;
export type CommitListener = (commit: Commit<unknown, unknown>) => void;

const logger = new Logger('actors');

/**
 * The actors this node runs, activated on demand (lease + replay) and passivated after idling.
 * One activation per stream per node; the lease makes it one per cluster.
 */
export class ActorRegistry {
  private readonly specs = new Map<string, AnySpec>();
  private readonly actors = new Map<string, AnyActor>();
  private readonly activating = new Map<string, Promise<AnyActor>>();
  /** Actors being passivated (lease release in flight): a new activation of the stream waits for it. */
  private readonly passivating = new Map<string, Promise<void>>();
  private readonly listeners: CommitListener[] = [];
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  private sweeping = false;
  /** Counters for metrics and the admin endpoint. */
  readonly stats = { activations: 0, takeovers: 0, fenced: 0, passivations: 0, commits: 0, events: 0 };

  constructor(private readonly store: Store, private readonly opts: RegistryOptions) {
    const shortest = Math.min(opts.idleMs, ...Object.values(opts.idleMsByKind ?? {}));
    this.sweeper = setInterval(() => void this.sweep(), Math.max(100, Math.min(shortest / 2, 30_000)));
    this.sweeper.unref();
  }

  register<S, C, E>(spec: AggregateSpec<S, C, E>): void {
    this.specs.set(spec.kind, spec as AnySpec);
  }

  /** Called for every accepted command, in commit order per stream, before the requester's answer. */
  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  /** True once close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** True when this node runs the stream's actor now. */
  isLocal(kind: string, id: string): boolean {
    const actor = this.actors.get(`${kind}:${id}`);
    return actor !== undefined && !actor.isClosed;
  }

  /** The spec registered for a stream kind (for commands forwarded from other nodes). */
  spec(kind: string): AnySpec | undefined {
    return this.specs.get(kind);
  }

  /** Runs a command here, activating the actor if the lease is free; NotLocalError when another node holds it. */
  async askLocal<S, C, E>(spec: AggregateSpec<S, C, E>, id: string, command: C, actor: Actor, mustExist = true): Promise<AskResult<S, E>> {
    return this.ask(spec, id, command, actor, mustExist);
  }

  /**
   * The state of a stream as its journal has it (snapshot + events), without its actor: what a node
   * that does not hold the lease reads. Not ordered with the owner's mailbox.
   */
  async readStored<S, C, E>(spec: AggregateSpec<S, C, E>, id: string): Promise<{ state: S; version: number }> {
    const stream = `${spec.kind}:${id}`;
    const snapshot = await this.store.journal.loadSnapshot(stream);
    let state = snapshot ? (snapshot.state as S) : spec.initial(id);
    let version = snapshot?.version ?? 0;
    for (const entry of await this.store.journal.read(stream, version)) {
      state = spec.evolve(state, entry.event as E);
      version = entry.version;
    }
    return { state, version };
  }

  /**
   * Reads a stream's state without activating its actor or keeping it alive: in its mailbox when this node
   * runs it now, else from the journal (readStored). For reads over many streams (`request.list`), where
   * activating each would take, and then renew, one lease per stream.
   */
  async peek<S, C, E, T>(spec: AggregateSpec<S, C, E>, id: string, read: (state: S, version: number) => T): Promise<T> {
    const live = this.actors.get(`${spec.kind}:${id}`);
    if (live && !live.isClosed) {
      try {
        return await (live as unknown as AggregateActor<S, C, E>).peek(read);
      } catch (err) {
        // Fenced or passivated meanwhile, or its mailbox full: the journal has everything it committed.
        if (!(err instanceof InvalidStateError) && !(err instanceof MailboxFullError)) throw err;
      }
    }
    const { state, version } = await this.readStored(spec, id);
    return read(state, version);
  }

  /** Runs a command on a stream's actor. With `mustExist`, an empty stream is UnknownStreamError. */
  async ask<S, C, E>(spec: AggregateSpec<S, C, E>, id: string, command: C, actor: Actor, mustExist = true): Promise<AskResult<S, E>> {
    const target = await this.get(spec, id);
    if (mustExist && !target.exists) throw new UnknownStreamError(`${spec.kind}:${id}`);
    return (target as unknown as AggregateActor<S, C, E>).ask(command, actor);
  }

  /** Reads a stream's state inside its mailbox. */
  async query<S, C, E, T>(spec: AggregateSpec<S, C, E>, id: string, read: (state: S, version: number) => T, mustExist = true): Promise<T> {
    const target = await this.get(spec, id);
    if (mustExist && !target.exists) throw new UnknownStreamError(`${spec.kind}:${id}`);
    return (target as unknown as AggregateActor<S, C, E>).query(read);
  }

  /** The streams this node runs now, by kind. */
  streams(): string[] {
    return [...this.actors.keys()];
  }

  /** Passivates every actor (releasing their leases so other nodes take over at once) and refuses new ones. */
  async drain(): Promise<void> {
    await this.close();
  }

  /** Number of live actors on this node. */
  get size(): number {
    return this.actors.size;
  }

  /** Passivates every actor. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.activating.values(), ...this.passivating.values()]);
    await Promise.all([...this.actors.values()].map((a) => a.passivate()));
    this.actors.clear();
  }

  private async get(spec: AggregateSpec<unknown, unknown, unknown> | AggregateSpec<never, never, never>, id: string): Promise<AnyActor> {
    if (this.closed) throw new InvalidStateError('actor registry is closed');
    const stream = `${spec.kind}:${id}`;
    // The previous actor of this stream is still releasing its lease: activating now could renew that
    // lease under its epoch just before the release deletes it. Wait for the release, then take a new epoch.
    const leaving = this.passivating.get(stream);
    if (leaving) await leaving;
    if (this.closed) throw new InvalidStateError('actor registry is closed');
    const live = this.actors.get(stream);
    if (live && !live.isClosed) return live;
    let pending = this.activating.get(stream);
    if (!pending) {
      pending = this.activate(spec as AnySpec, id, stream);
      this.activating.set(stream, pending);
      pending.finally(() => this.activating.delete(stream)).catch(() => undefined);
    }
    return pending;
  }

  private async activate(spec: AnySpec, id: string, stream: string): Promise<AnyActor> {
    const actor = new AggregateActor(spec, id, this.store, this.opts, (c) => this.emit(c), (a) => this.forget(a));
    await actor.activate();
    this.actors.set(stream, actor);
    this.stats.activations++;
    if (actor.exists) this.stats.takeovers++;
    return actor;
  }

  private emit(commit: Commit<unknown, unknown>): void {
    this.stats.commits++;
    this.stats.events += commit.events.length;
    for (const listener of this.listeners) {
      try {
        listener(commit);
      } catch (err) {
        logger.error({ err }, `commit listener failed [${commit.kind}:${commit.id}, v:${commit.version}]`);
      }
    }
  }

  private forget(actor: AnyActor): void {
    if (!this.closed && this.actors.get(actor.stream) === actor && actor.isClosed) this.stats.fenced++;
    if (this.actors.get(actor.stream) === actor) this.actors.delete(actor.stream);
  }

  /** How long an actor of this kind may idle before it is passivated. */
  idleMsOf(kind: string): number {
    return this.opts.idleMsByKind?.[kind] ?? this.opts.idleMs;
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const now = this.opts.clock();
      const leaving: Promise<void>[] = [];
      for (const actor of [...this.actors.values()]) {
        if (actor.isIdle && now - actor.lastUsed >= this.idleMsOf(actor.kind)) {
          this.forget(actor);
          this.stats.passivations++;
          const done = actor.passivate();
          this.passivating.set(actor.stream, done);
          leaving.push(done.finally(() => {
            if (this.passivating.get(actor.stream) === done) this.passivating.delete(actor.stream);
          }));
        }
      }
      // Released together (a burst of requests filed together idles out together): one round of commands, not n.
      await Promise.allSettled(leaving);
    } finally {
      this.sweeping = false;
    }
  }
}
