import { Inject, Injectable, Logger } from '@nestjs/common';
import { MailboxFullError } from '../../actors/mailbox';
import { ActorRegistry, UnknownStreamError } from '../../actors/actor-registry';
import type { AggregateSpec } from '../../actors/aggregate';
import { NotLocalError, type AskResult, type Commit } from '../../actors/aggregate.actor';
import { Forwarder, ForwardTimeoutError, RemoteFailure } from '../../actors/forwarder';
import { FencedError, StoreUnavailableError } from '../../cluster/ports';
import type { TandemConfig } from '../../config/config.schema';
import { CONFIG } from '../../config/config.token';
import type { Actor } from '../../domain';
import { ProtocolError } from '../protocol-error';
import { CLOCK, type Clock } from './tokens';

/** How long a forwarded command waits for the owning node before trying to take the session over. */
const FORWARD_TIMEOUT_MS = 1000;

/**
 * Routes a command to its stream's actor — here when this node holds (or can take) the lease, else
 * forwarded to the node that holds it — and turns every outcome into an answer: the commit, or a
 * ProtocolError with a stable code (the domain's rejection code, UNKNOWN_SESSION, BUSY, FENCED …).
 * When the owner does not answer (dead, paused), the command waits for its lease to lapse and the
 * session is taken over here by replaying its journal.
 */
@Injectable()
export class SessionRouter {
  private readonly logger = new Logger('router');

  constructor(
    readonly actors: ActorRegistry,
    private readonly forwarder: Forwarder,
    @Inject(CONFIG) private readonly config: TandemConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async ask<S, C, E>(spec: AggregateSpec<S, C, E>, id: string, command: C, actor: Actor, mustExist = true): Promise<Commit<S, E>> {
    try {
      const { value: result, retried } = await this.route(spec, id, command, actor, mustExist);
      if (!result.ok && result.rejection.code === 'DUPLICATE_ID' && retried) {
        // A forward timed out but the owner had applied the command: its server-made id is now taken.
        // The command is in the journal, so this is its acknowledgement.
        const [state, version] = await this.query(spec, id, (st, v) => [st, v] as const);
        return { kind: spec.kind, id, events: [], state, version };
      }
      if (!result.ok) throw new ProtocolError(result.rejection.code, result.rejection.message);
      return result.commit;
    } catch (err) {
      throw this.translate(err, spec.kind, id);
    }
  }

  /**
   * Reads a stream's state: inside its mailbox when this node holds it; otherwise from the journal
   * (a read needs no lease; it may miss a command the owner is running right now).
   */
  async query<S, C, E, T>(spec: AggregateSpec<S, C, E>, id: string, read: (state: S, version: number) => T, mustExist = true): Promise<T> {
    try {
      return await this.actors.query(spec, id, read, mustExist);
    } catch (err) {
      // Not here, or this node is drained (its registry closed): read what the journal holds.
      if (!(err instanceof NotLocalError) && !this.actors.isClosed) throw this.translate(err, spec.kind, id);
    }
    try {
      const { state, version } = await this.actors.readStored(spec, id);
      if (mustExist && version === 0) throw new UnknownStreamError(`${spec.kind}:${id}`);
      return read(state, version);
    } catch (err) {
      throw this.translate(err, spec.kind, id);
    }
  }

  /**
   * Reads a stream's state without taking its lease or activating it here (ActorRegistry.peek): what a list
   * over many streams uses. An empty stream reads as version 0.
   */
  async peek<S, C, E, T>(spec: AggregateSpec<S, C, E>, id: string, read: (state: S, version: number) => T): Promise<T> {
    try {
      return await this.actors.peek(spec, id, read);
    } catch (err) {
      throw this.translate(err, spec.kind, id);
    }
  }

  /**
   * Runs a registered procedure (see Forwarder.procedure) in the mailbox of the stream's actor, on
   * whichever node holds it: what must be ordered with the session's commits without being one
   * (authorising and sending input, pointers, annotations).
   */
  async run<T>(spec: AggregateSpec<unknown, unknown, unknown> | AggregateSpec<never, never, never>, id: string, procedure: string, payload: unknown): Promise<T> {
    const proc = this.forwarder.procedureOf(procedure);
    if (!proc) throw new Error(`unknown procedure ${procedure}`);
    const anySpec = spec as AggregateSpec<unknown, unknown, unknown>;
    try {
      return (await this.withOwner(
        () => this.actors.query(anySpec, id, (state) => proc(state, payload)),
        (holder) => this.forwarder.call(holder, spec.kind, id, procedure, payload, FORWARD_TIMEOUT_MS),
        spec.kind, id,
      )).value as T;
    } catch (err) {
      throw this.translate(err, spec.kind, id);
    }
  }

  private route<S, C, E>(spec: AggregateSpec<S, C, E>, id: string, command: C, actor: Actor, mustExist: boolean): Promise<{ value: AskResult<S, E>; retried: boolean }> {
    return this.withOwner(
      () => this.actors.ask(spec, id, command, actor, mustExist),
      async (holder) => (await this.forwarder.ask(holder, spec.kind, id, command, actor, mustExist, FORWARD_TIMEOUT_MS)) as AskResult<S, E>,
      spec.kind, id,
    );
  }

  /** Runs `local` when this node holds (or can take) the stream, else `remote` on the holder; follows moves and takes over silent owners. */
  private async withOwner<T>(local: () => Promise<T>, remote: (holder: string) => Promise<T>, kind: string, id: string): Promise<{ value: T; retried: boolean }> {
    const deadline = this.clock() + this.config.store.leaseTtlMs * 2 + FORWARD_TIMEOUT_MS * 2;
    let lastError: unknown;
    let retried = false;
    for (let attempt = 0; attempt < 10; attempt++) {
      let holder: string;
      try {
        return { value: await local(), retried };
      } catch (err) {
        // Our actor was fenced (or closed) before it could run the command, which was not applied:
        // ask again, which finds the current holder.
        if ((err instanceof FencedError || (err instanceof Error && err.name === 'InvalidStateError' && !this.actors.isClosed)) && this.clock() <= deadline) {
          lastError = err;
          continue;
        }
        if (!(err instanceof NotLocalError)) throw err;
        holder = err.holder;
      }
      try {
        return { value: await remote(holder), retried };
      } catch (err) {
        lastError = err;
        if (err instanceof ForwardTimeoutError) retried = true;
        const moved = err instanceof RemoteFailure && (err.name === 'NotLocalError' || err.name === 'FencedError' || err.name === 'InvalidStateError');
        if (!(err instanceof ForwardTimeoutError) && !moved) throw err;
        this.logger.warn(`forward to ${holder} failed (${(err as Error).name}) [${kind}:${id}, attempt:${attempt}]`);
        if (this.clock() > deadline) break;
        if (moved) continue;
        // The owner is silent: wait a little for its lease to lapse, then try to take the session.
        await new Promise((r) => setTimeout(r, Math.min(250, this.config.store.leaseTtlMs / 4)));
      }
    }
    throw lastError instanceof Error ? lastError : new ForwardTimeoutError(`no node answered for ${kind}:${id}`);
  }

  private translate(err: unknown, kind: string, id: string): unknown {
    if (err instanceof ProtocolError) return err;
    const name = err instanceof Error ? err.name : '';
    if (err instanceof UnknownStreamError || name === 'UnknownStreamError') return new ProtocolError('UNKNOWN_SESSION', `no such ${kind}`);
    if (err instanceof MailboxFullError || name === 'MailboxFullError') return new ProtocolError('BUSY', 'the session is busy; retry later');
    if (err instanceof FencedError || name === 'FencedError' || name === 'NotLocalError' || err instanceof NotLocalError) {
      return new ProtocolError('FENCED', 'another node took over this session; retry');
    }
    if (err instanceof ForwardTimeoutError) {
      this.logger.error(`no owner answered [${kind}:${id}]`);
      return new ProtocolError('FENCED', 'the node holding this session does not answer; retry');
    }
    if (err instanceof StoreUnavailableError || name === 'StoreUnavailableError') {
      this.logger.error({ err }, `store unavailable [${kind}:${id}]`);
      return new ProtocolError('STORE_UNAVAILABLE', 'the store is unreachable; the command was not applied');
    }
    return err;
  }
}
