import { Inject, Injectable, Logger, type OnModuleInit, type OnApplicationShutdown } from '@nestjs/common';
import type { Store, Unsubscribe } from '../../cluster/ports';
import { type Actor, queueVisibleTo } from '../../domain';
import type { Connection } from '../connection';
import { ConnectionRegistry } from '../connection-registry';
import { HandlerRegistry } from '../handler-registry';
import { QUEUES_CHANNEL, SessionIndex, type SessionSummary } from './session-index';
import { SessionHandlers } from './session.handlers';
import { STORE } from './tokens';

/** `queue.list` and live `queue.changed`: the sessions waiting in the queues a representative may see. */
@Injectable()
export class QueueHandlers implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('queues');
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
    this.handlers.on('queue.list', async (conn) => ({ sessions: this.visible(await this.index.live(), this.sessions.actorOf(conn)) }));
    this.unsubscribe = await this.store.bus.subscribe(QUEUES_CHANNEL, () => void this.push().catch((err: unknown) => this.logger.error({ err }, 'queue push failed')));
    // A change announced while this node's bus was down: the lists here are pushed again, whole.
    this.offGap = this.store.bus.onGap?.(() => void this.push().catch((err: unknown) => this.logger.error({ err }, 'queue push failed'))) ?? null;
  }

  async onApplicationShutdown(): Promise<void> {
    this.offGap?.();
    await this.unsubscribe?.().catch(() => undefined);
  }

  private visible(live: SessionSummary[], actor: Actor): SessionSummary[] {
    return live.filter((s) => s.status === 'queued' && s.queue !== null && queueVisibleTo(s.queue, actor));
  }

  private async push(): Promise<void> {
    const people = this.connections.list().filter((c: Connection) => c.endpoint === 'console' && c.identity.kind === 'person' && c.identity.role !== 'customer');
    if (people.length === 0) return;
    const live = await this.index.live();
    for (const conn of people) conn.send('queue.changed', { sessions: this.visible(live, this.sessions.actorOf(conn)) });
  }
}
