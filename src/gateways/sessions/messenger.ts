import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Store, Unsubscribe } from '../../cluster/ports';
import { NodeInfo } from '../../node/node-info';
import type { Identity } from '../identity';
import { ConnectionRegistry } from '../connection-registry';
import { STORE } from './tokens';

export interface Recipient { kind: Identity['kind']; id: string }

interface Direct { node: string; to: Recipient[]; event: string; data: unknown; except?: string }

const CHANNEL = 'direct';

/**
 * Sends an event to identities wherever they are connected: this node's sockets at once, the other
 * nodes' through the bus (`direct`). Used for what is not journaled: input, pointers, annotations,
 * elevation credentials for the agent.
 */
@Injectable()
export class Messenger implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('messenger');
  private unsubscribe: Unsubscribe | null = null;

  constructor(private readonly connections: ConnectionRegistry, @Inject(STORE) private readonly store: Store, private readonly node: NodeInfo) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.store.bus.subscribe(CHANNEL, (raw) => {
      try {
        const msg = JSON.parse(raw) as Direct;
        if (msg.node !== this.node.id && Array.isArray(msg.to)) this.deliver(msg);
      } catch {
        this.logger.warn('malformed direct message ignored');
      }
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.unsubscribe?.().catch(() => undefined);
  }

  /** `except` is a connection id that must not get it (the sender's own). */
  send(to: Recipient[], event: string, data: unknown, except?: string): void {
    const msg: Direct = { node: this.node.id, to, event, data, ...(except ? { except } : {}) };
    this.deliver(msg);
    this.store.bus.publish(CHANNEL, JSON.stringify(msg)).catch((err: unknown) => this.logger.error({ err }, `direct publish failed [${event}]`));
  }

  /** Only this node's sockets (for fan-out that every node runs itself, e.g. from a commit). */
  deliverLocal(to: Recipient[], event: string, data: unknown): void {
    this.deliver({ node: this.node.id, to, event, data });
  }

  /** Every agent connected here (when the target agent is no longer known, e.g. after an uninstall). */
  deliverLocalToAllAgents(event: string, data: unknown): void {
    for (const conn of this.connections.list()) if (conn.endpoint === 'agent') conn.send(event, data);
  }

  private deliver(msg: Direct): void {
    for (const r of msg.to) {
      for (const conn of this.connections.ofIdentity(r.kind, r.id)) if (conn.id !== msg.except) conn.send(msg.event, msg.data);
    }
  }
}
