/**
 * The one Redis key scheme (conventions.md §3). Every key of one stream carries the stream name as a
 * hash tag, `tandem:{<stream>}:…`, so the journal, the lease, the epoch counter and the snapshot of a
 * stream share one Redis Cluster slot and the Lua scripts may touch them together. Streams are named
 * by their aggregate (`session:<id>`), which gives `tandem:{session:<id>}:journal`.
 */

const PREFIX = 'tandem';

/** Keys that belong to one stream (a journal and the lease that fences it). */
export interface StreamKeys {
  /** A list: one JSON event per entry; its length is the stream's version. */
  readonly journal: string;
  /** A string `<epoch>:<holder>` with a PX expiry, so the lease lapses on Redis's clock. */
  readonly lease: string;
  /** A counter without expiry: the last epoch handed out, so epochs only grow across holders. */
  readonly epoch: string;
  /** A string: the latest snapshot, as JSON. */
  readonly snapshot: string;
}

/**
 * Redis hashes only the text between the first `{` and the next `}`. Every key of a stream starts
 * with `tandem:{<stream>`, so even a stream name that holds a brace keeps its keys on one slot.
 */
function tag(stream: string): string {
  return `${PREFIX}:{${stream}}`;
}

/** All keys of one stream (or lease key: leases and journals share names, see Fence.key). */
export function streamKeys(stream: string): StreamKeys {
  const t = tag(stream);
  return { journal: `${t}:journal`, lease: `${t}:lease`, epoch: `${t}:epoch`, snapshot: `${t}:snapshot` };
}

/** A key-value string record (one-time codes, tokens). */
export function kvKey(key: string): string {
  return `${PREFIX}:kv:${key}`;
}

/** A set record; kept apart from kvKey so a set and a string of the same name never collide (WRONGTYPE). */
export function setKey(key: string): string {
  return `${PREFIX}:set:${key}`;
}

/** The pub/sub channel name for a bus channel. */
export function busChannel(channel: string): string {
  return `${PREFIX}:bus:${channel}`;
}

/** The bus channel back from a Redis channel name, or null for a channel that is not ours. */
export function busChannelName(redisChannel: string): string | null {
  const prefix = `${PREFIX}:bus:`;
  return redisChannel.startsWith(prefix) ? redisChannel.slice(prefix.length) : null;
}

/** The pub/sub channel name for a binary bus channel (a namespace apart from the text channels). */
export function binaryChannel(channel: string): string {
  return `${PREFIX}:bin:${channel}`;
}

/** The binary bus channel back from a Redis channel name, or null for a channel that is not ours. */
export function binaryChannelName(redisChannel: string): string | null {
  const prefix = `${PREFIX}:bin:`;
  return redisChannel.startsWith(prefix) ? redisChannel.slice(prefix.length) : null;
}

/** The cluster-wide audit log (a Redis Stream). Not hash-tagged: one key, one slot. */
export const AUDIT_KEY = 'tandem:audit';
