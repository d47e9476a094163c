import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Store } from '../../cluster/ports';
import type { TandemConfig } from '../../config/config.schema';
import { CONFIG } from '../../config/config.token';
import { NodeInfo } from '../../node/node-info';
import { ConnectionRegistry } from '../connection-registry';
import { ActorRegistry } from '../../actors/actor-registry';
import { CLOCK, type Clock, STORE } from './tokens';

export interface NodeRecord {
  id: string; version: string; startedAt: number; seenAt: number; connections: number; draining: boolean;
  /** node.publicUrl, else the address the node listens on (null until it listens). */
  address: string | null;
  /** Sessions this node owns (holds the lease of) now, and all its actors. */
  sessions: number; actors: number;
  /** Events committed here per second over the last beat. */
  eventsPerSecond: number;
  /** Leases lost to another node, and journals replayed here, since start. */
  fenced: number; replays: number;
}

const NODES = 'nodes';
const nodeKey = (id: string): string => `node:${id}`;

/**
 * Every node says it is alive in the store every second (a record with a TTL of a few seconds), so
 * other nodes can tell a dead node's leftovers (agent connections, grace timers) from a live one's.
 */
@Injectable()
export class NodeRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('nodes');
  private timer: NodeJS.Timeout | null = null;
  private readonly ttlMs: number;
  private lastBeat: { at: number; events: number } | null = null;

  constructor(
    @Inject(STORE) private readonly store: Store,
    private readonly info: NodeInfo,
    private readonly connections: ConnectionRegistry,
    private readonly actors: ActorRegistry,
    @Inject(CONFIG) config: TandemConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.ttlMs = Math.max(3000, config.store.leaseTtlMs * 2);
  }

  async onModuleInit(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.store.kv.delete(nodeKey(this.info.id)).catch(() => undefined);
    await this.store.kv.setRemove(NODES, this.info.id).catch(() => undefined);
  }

  async isAlive(nodeId: string): Promise<boolean> {
    return nodeId === this.info.id || (await this.store.kv.get(nodeKey(nodeId))) !== null;
  }

  /** The nodes that beat within their TTL; forgets the others. */
  async list(): Promise<NodeRecord[]> {
    const out: NodeRecord[] = [];
    for (const id of await this.store.kv.setMembers(NODES)) {
      const raw = await this.store.kv.get(nodeKey(id));
      // This node's own address is read live: its first beat goes out before it listens.
      if (raw) out.push(id === this.info.id ? { ...(JSON.parse(raw) as NodeRecord), address: this.info.address } : (JSON.parse(raw) as NodeRecord));
      else await this.store.kv.setRemove(NODES, id);
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  private async beat(): Promise<void> {
    const now = this.clock();
    const events = this.actors.stats.events;
    const rate = this.lastBeat ? ((events - this.lastBeat.events) * 1000) / Math.max(1, now - this.lastBeat.at) : 0;
    this.lastBeat = { at: now, events };
    const streams = this.actors.streams();
    const record: NodeRecord = {
      id: this.info.id, version: this.info.version, address: this.info.address, startedAt: this.info.startedAt, seenAt: now,
      connections: this.connections.count(), draining: this.info.isDraining,
      sessions: streams.filter((st) => st.startsWith('session:')).length, actors: streams.length,
      eventsPerSecond: Math.round(rate * 10) / 10, fenced: this.actors.stats.fenced, replays: this.actors.stats.takeovers,
    };
    try {
      await this.store.kv.set(nodeKey(this.info.id), JSON.stringify(record), this.ttlMs);
      await this.store.kv.setAdd(NODES, this.info.id);
    } catch (err) {
      this.logger.warn({ err }, 'heartbeat failed');
    }
  }
}
