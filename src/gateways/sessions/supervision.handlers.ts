import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Store, Unsubscribe } from '../../cluster/ports';
import { type Actor, mayListTeamSessions, mayWatchSession } from '../../domain';
import type { Connection } from '../connection';
import { ConnectionRegistry } from '../connection-registry';
import { HandlerRegistry } from '../handler-registry';
import { ProtocolError } from '../protocol-error';
import { QUEUES_CHANNEL, SessionIndex, type SessionSummary } from './session-index';
import { SessionHandlers } from './session.handlers';
import { STORE } from './tokens';

/**
 * `sessions.list` and live `sessions.changed`: for supervisors (session.watch) the running sessions of
 * their teams, which they may join with `session.join`; for admins every running session. The domain says
 * who may list and which sessions each one sees.
 */
@Injectable()
export class SupervisionHandlers implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('supervision');
  private unsubscribe: Unsubscribe | null = null;
  private offGap: (() => void) | null = null;

  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly index: SessionIndex,
    private readonly sessions: SessionHandlers,
    private readonly connections: ConnectionRegistry,
    @Inject(STORE) private readonly store: Store,
  ) {}

  async onModuleInit(): Promise<void> {
    this.handlers.on('sessions.list', async (conn) => {
      const actor = this.sessions.actorOf(conn);
      const allowed = mayListTeamSessions(actor);
      if ('rejection' in allowed) throw new ProtocolError(allowed.rejection.code, allowed.rejection.message);
      return { sessions: this.watchable(await this.index.live(), actor) };
    });
    // The session index publishes here whenever a session starts, moves between queues and owners, or ends.
    this.unsubscribe = await this.store.bus.subscribe(QUEUES_CHANNEL, () => void this.push().catch((err: unknown) => this.logger.error({ err }, 'sessions push failed')));
    // A change announced while this node's bus was down: the lists here are pushed again, whole.
    this.offGap = this.store.bus.onGap?.(() => void this.push().catch((err: unknown) => this.logger.error({ err }, 'sessions push failed'))) ?? null;
  }

  async onApplicationShutdown(): Promise<void> {
    this.offGap?.();
    await this.unsubscribe?.().catch(() => undefined);
  }

  private watchable(live: SessionSummary[], actor: Actor): SessionSummary[] {
    return live.filter((s) => s.status !== 'new' && mayWatchSession(s.teams, actor));
  }

  private async push(): Promise<void> {
    const watchers = this.connections.list()
      .filter((c: Connection) => c.endpoint === 'console' && c.identity.kind === 'person')
      .map((c) => ({ c, actor: this.sessions.actorOf(c) }))
      .filter(({ actor }) => !('rejection' in mayListTeamSessions(actor)));
    if (watchers.length === 0) return;
    const live = await this.index.live();
    for (const { c, actor } of watchers) c.send('sessions.changed', { sessions: this.watchable(live, actor) });
  }
}
