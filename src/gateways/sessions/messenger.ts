import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Store, Unsubscribe } from '../../cluster/ports';
import { NodeInfo } from '../../node/node-info';
import type { Connection } from '../connection';
import type { Identity } from '../identity';
import { ConnectionRegistry } from '../connection-registry';
import { STORE } from './tokens';

export interface Recipient { kind: Identity['kind']; id: string }

/** A message of an ordered stream that a lagging connection may miss (a command shell's output), or its end. */
export interface StreamPart {
  /** The stream: what a connection missed of it is counted under this key. */
  key: string;
  /** Its size, counted as missed when it is skipped. */
  bytes: number;
  /** Skipped for a connection whose socket holds more than this many bytes; absent: always delivered (the stream's end). */
  maxBuffered?: number;
}

interface Direct { node: string; to: Recipient[]; event: string; data: unknown; except?: string; stream?: StreamPart }

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
    this.route({ node: this.node.id, to, event, data, ...(except ? { except } : {}) });
  }

  /**
   * Sends a part of a stream: a connection whose socket already holds more than `part.maxBuffered` does
   * not get it (a slow viewer neither slows the others nor grows the node's memory); the next part it
   * gets carries `skipped`, the bytes it missed. Delivered on every node by the same rule.
   */
  sendStream(to: Recipient[], event: string, data: Record<string, unknown>, part: StreamPart): void {
    this.route({ node: this.node.id, to, event, data, stream: part });
  }

  /** To this node's sockets now, and to the other nodes' through the bus. */
  private route(msg: Direct): void {
    this.deliver(msg);
    this.store.bus.publish(CHANNEL, JSON.stringify(msg)).catch((err: unknown) => this.logger.error({ err }, `direct publish failed [${msg.event}]`));
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
      for (const conn of this.connections.ofIdentity(r.kind, r.id)) {
        if (conn.id === msg.except) continue;
        if (msg.stream) this.deliverPart(conn, msg, msg.stream);
        else conn.send(msg.event, msg.data);
      }
    }
  }

  private deliverPart(conn: Connection, msg: Direct, part: StreamPart): void {
    const missed = conn.missed.get(part.key) ?? 0;
    if (part.maxBuffered !== undefined && conn.bufferedAmount > part.maxBuffered) {
      conn.missed.set(part.key, missed + part.bytes);
      return;
    }
    if (missed === 0) return conn.send(msg.event, msg.data);
    conn.missed.delete(part.key);
    conn.send(msg.event, { ...(msg.data as Record<string, unknown>), skipped: missed });
  }
}
