import { Injectable, Logger } from '@nestjs/common';
import { MailboxFullError } from '../../actors/mailbox';
import { ActorRegistry, UnknownStreamError } from '../../actors/actor-registry';
import type { AggregateSpec } from '../../actors/aggregate';
import { NotLocalError, type Commit } from '../../actors/aggregate.actor';
import { FencedError, StoreUnavailableError } from '../../cluster/ports';
import type { Actor } from '../../domain';
import { ProtocolError } from '../protocol-error';

/**
 * Routes a command to its stream's actor and turns every outcome into an answer: the commit, or a
 * ProtocolError with a stable code (the domain's rejection code, UNKNOWN_SESSION, BUSY, FENCED …).
 */
@Injectable()
export class SessionRouter {
  private readonly logger = new Logger('router');

  constructor(readonly actors: ActorRegistry) {}

  async ask<S, C, E>(spec: AggregateSpec<S, C, E>, id: string, command: C, actor: Actor, mustExist = true): Promise<Commit<S, E>> {
    try {
      const result = await this.actors.ask(spec, id, command, actor, mustExist);
      if (!result.ok) throw new ProtocolError(result.rejection.code, result.rejection.message);
      return result.commit;
    } catch (err) {
      throw this.translate(err, spec.kind, id);
    }
  }

  async query<S, C, E, T>(spec: AggregateSpec<S, C, E>, id: string, read: (state: S, version: number) => T, mustExist = true): Promise<T> {
    try {
      return await this.actors.query(spec, id, read, mustExist);
    } catch (err) {
      throw this.translate(err, spec.kind, id);
    }
  }

  private translate(err: unknown, kind: string, id: string): unknown {
    if (err instanceof ProtocolError) return err;
    if (err instanceof UnknownStreamError) return new ProtocolError('UNKNOWN_SESSION', `no such ${kind}`);
    if (err instanceof MailboxFullError) return new ProtocolError('BUSY', 'the session is busy; retry later');
    if (err instanceof FencedError) return new ProtocolError('FENCED', 'another node took over this session; retry');
    if (err instanceof NotLocalError) {
      this.logger.warn(`not local [${kind}:${id}, holder:${err.holder}]`);
      return new ProtocolError('FENCED', 'another node holds this session; retry');
    }
    if (err instanceof StoreUnavailableError) {
      this.logger.error({ err }, `store unavailable [${kind}:${id}]`);
      return new ProtocolError('STORE_UNAVAILABLE', 'the store is unreachable; the command was not applied');
    }
    return err;
  }
}
