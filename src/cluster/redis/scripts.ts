/**
 * The Lua scripts behind RedisStore. Redis runs a script to completion before any other command, so
 * each one is a single atomic step: a check and the write it guards can never be split by another
 * node. The lease is one string `<epoch>:<holder>` with a PX expiry, so a lease lapses on Redis's
 * clock and never on a node's; the epoch counter has no expiry, so epochs only grow per key.
 *
 * All keys a script touches are passed in KEYS and share the stream's hash tag (see keys.ts), so the
 * scripts also run unchanged on Redis Cluster.
 */

/** The shape ioredis' defineCommand takes. */
export interface ScriptDefinition {
  readonly numberOfKeys: number;
  readonly lua: string;
}

/**
 * Takes the lease when it is free or lapsed (INCR the epoch counter, a new, higher epoch), renews it
 * when the same holder already holds it (same epoch), or refuses.
 * KEYS: lease, epoch. ARGV: holder, ttlMs. Returns the epoch, or nil when another holder's lease is live.
 */
export const ACQUIRE: ScriptDefinition = {
  numberOfKeys: 2,
  lua: `
local current = redis.call('GET', KEYS[1])
if current then
  local epoch, holder = string.match(current, '^(%d+):(.*)$')
  if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(epoch)
  end
  return false
end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], epoch .. ':' .. ARGV[1], 'PX', ARGV[2])
return epoch
`,
};

/**
 * Extends the lease only while it is still held by this holder under this epoch.
 * KEYS: lease. ARGV: holder, epoch, ttlMs. Returns 1 when renewed, 0 when lapsed or taken over.
 */
export const RENEW: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[2] .. ':' .. ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
`,
};

/**
 * Deletes the lease only while it is still held by this holder under this epoch (a stale holder can
 * never release its successor's lease). KEYS: lease. ARGV: holder, epoch. Returns 1 when released.
 */
export const RELEASE: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[2] .. ':' .. ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`,
};

/**
 * The live lease and its remaining time, read in one step.
 * KEYS: lease. Returns {'<epoch>:<holder>', pttl} or nil.
 */
export const CURRENT: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `
local current = redis.call('GET', KEYS[1])
if not current then return false end
return {current, redis.call('PTTL', KEYS[1])}
`,
};

/**
 * Appends all events or none. The fence is checked first (its epoch must be the epoch of the live
 * lease; a lapsed lease fences too), then the expected version against the list length; only then
 * are the events pushed. KEYS: journal, fence lease. ARGV: expectedVersion, fence epoch ('' for no
 * fence), event 1 … event n (JSON). Returns {'OK' | 'FENCED' | 'VERSION_CONFLICT', version}.
 * RPUSH goes in chunks because unpack() of a very long ARGV would overflow Lua's C stack.
 */
export const APPEND: ScriptDefinition = {
  numberOfKeys: 2,
  lua: `
local len = redis.call('LLEN', KEYS[1])
if ARGV[2] ~= '' then
  local current = redis.call('GET', KEYS[2])
  local epoch = current and string.match(current, '^(%d+):')
  if epoch ~= ARGV[2] then return {'FENCED', len} end
end
if len ~= tonumber(ARGV[1]) then return {'VERSION_CONFLICT', len} end
local n = #ARGV
local i = 3
while i <= n do
  local last = math.min(i + 499, n)
  len = redis.call('RPUSH', KEYS[1], unpack(ARGV, i, last))
  i = last + 1
end
return {'OK', len}
`,
};

/**
 * Compare-and-set on a record: replaces it (no expiry) or, with an empty ARGV[2], deletes it, only while
 * it holds ARGV[1]. KEYS: record. ARGV: expected, next ('' to delete). Returns 1 when it did.
 */
export const REPLACE_IF: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2]) end
return 1
`,
};

/** Every script RedisStore registers, by the command name it gets on the client. */
export const SCRIPTS = {
  tandemAcquire: ACQUIRE,
  tandemRenew: RENEW,
  tandemRelease: RELEASE,
  tandemCurrent: CURRENT,
  tandemAppend: APPEND,
  tandemReplaceIf: REPLACE_IF,
} as const;
