import type { TandemConfig } from '../config/config.schema';
import { type Clock, MemoryStore } from './memory/memory-store';
import type { Store } from './ports';
import { RedisStore } from './redis/redis-store';

/**
 * The store this node runs on: Redis when `store.redis` names a URL or Sentinel addresses, else the
 * embedded in-memory store (one node). `clock` only reaches the memory store; Redis keeps its own time.
 */
export function createStore(config: TandemConfig, clock?: Clock): Store {
  const redis = config.store.redis;
  if (!redis.url && redis.sentinels.length === 0) return new MemoryStore(clock);
  return new RedisStore({ ...redis, connectionName: config.node.id || undefined });
}
