import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ActorRegistry } from '../actors/actor-registry';
import type { Store, Unsubscribe } from '../cluster/ports';
import { ConnectionRegistry } from '../gateways/connection-registry';
import { STORE } from '../gateways/sessions/tokens';
import { NodeInfo } from '../node/node-info';
import { CLOSE_CODES } from '../protocol/close-codes';

const CHANNEL = 'drain';

/**
 * Draining a node (from the admin endpoint, or SIGTERM through the shutdown path): it stops being ready
 * (the load balancer takes it out), refuses new connections, hands every session it owns back by
 * releasing the leases (the next command on any node takes them over at once, no TTL wait), and tells
 * its clients to reconnect (1001), which they do through the load balancer and resume.
 */
@Injectable()
export class Drain implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('drain');
  private unsubscribe: Unsubscribe | null = null;

  constructor(
    private readonly info: NodeInfo,
    private readonly actors: ActorRegistry,
    private readonly connections: ConnectionRegistry,
    @Inject(STORE) private readonly store: Store,
  ) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.store.bus.subscribe(CHANNEL, (raw) => {
      try {
        const { nodeId } = JSON.parse(raw) as { nodeId: string };
        if (nodeId === this.info.id) void this.drainSelf();
      } catch {
        this.logger.warn('malformed drain message ignored');
      }
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.unsubscribe?.().catch(() => undefined);
  }

  /** Asks node `nodeId` (maybe this one) to drain. */
  async request(nodeId: string): Promise<void> {
    if (nodeId === this.info.id) {
      void this.drainSelf();
      return;
    }
    await this.store.bus.publish(CHANNEL, JSON.stringify({ nodeId }));
  }

  async drainSelf(): Promise<void> {
    if (this.info.isDraining) return;
    this.info.isDraining = true;
    this.logger.warn(`draining [node:${this.info.id}, actors:${this.actors.size}, connections:${this.connections.count()}]`);
    await this.actors.drain();
    for (const conn of this.connections.list()) conn.close(CLOSE_CODES.GOING_AWAY, 'node draining');
  }
}
