import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ActorRegistry } from '../actors/actor-registry';
import { GapRun } from '../cluster/bus-gap';
import type { Store, Unsubscribe } from '../cluster/ports';
import { ConnectionRegistry } from '../gateways/connection-registry';
import { STORE } from '../gateways/sessions/tokens';
import { NodeInfo } from '../node/node-info';
import { CLOSE_CODES } from '../protocol/close-codes';

const CHANNEL = 'drain';
/** Set when a node is asked to drain, so a node whose bus dropped the message finds it after the gap. */
const drainKey = (nodeId: string): string => `node:${nodeId}:drain`;
/** Longer than any bus gap a node comes back from; a node that is not back by then left the cluster anyway. */
const DRAIN_FLAG_MS = 10 * 60_000;

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
  private offGap: (() => void) | null = null;
  /** Reads the drain flag after a bus gap; again 1, 2, … 5 s later while the read fails (the store still reconnecting). */
  private readonly flagChecks = new GapRun(() => this.checkFlag(), (err) => this.logger.warn({ err }, 'drain flag read after a bus gap failed'));

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
    // A drain asked while this node's bus was down: its flag is read once the bus is back (one GET).
    this.offGap = this.store.bus.onGap?.(() => this.flagChecks.trigger()) ?? null;
  }

  /** Drains when this node was asked to. */
  private async checkFlag(): Promise<number> {
    if ((await this.store.kv.get(drainKey(this.info.id))) === null) return 0;
    this.logger.warn('a drain asked while the bus was down: draining now');
    await this.drainSelf();
    return 0;
  }

  async onApplicationShutdown(): Promise<void> {
    this.offGap?.();
    void this.flagChecks.close(); // stops retries; a drain under way goes on, as before
    await this.unsubscribe?.().catch(() => undefined);
  }

  /** Asks node `nodeId` (maybe this one) to drain. */
  async request(nodeId: string): Promise<void> {
    if (nodeId === this.info.id) {
      void this.drainSelf();
      return;
    }
    await this.store.kv.set(drainKey(nodeId), '1', DRAIN_FLAG_MS);
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
