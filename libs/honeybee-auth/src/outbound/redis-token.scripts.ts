/**
 * The Lua scripts of `RedisTokenStore`. One Redis hash per scope set holds both the shared
 * token and its refresh lock:
 *
 * | field | meaning |
 * |---|---|
 * | `v`, `ve` | the sealed token and when it expires (Redis server time, epoch ms) |
 * | `o`, `oe` | the lock's owner and when the lock lapses |
 *
 * One key per operation: on a Cluster every script runs in one slot and a slot migration moves
 * token and lock together (no cross-slot error, no `TRYAGAIN` half-way). Expiry is judged on
 * the server's clock (`TIME`), never the replicas'; the key itself expires with the later of
 * the two, so nothing outlives its use. Every script takes the key as `KEYS[1]`.
 */

/** `now` in epoch ms, and `settle()`, which sets the key's TTL (or deletes it) after a change. */
const PRELUDE = `local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function live(at) return at and tonumber(at) and tonumber(at) > now end
local function settle()
  local e = redis.call('hmget', KEYS[1], 've', 'oe')
  local last = math.max(tonumber(e[1] or 0) or 0, tonumber(e[2] or 0) or 0)
  if last <= now then redis.call('del', KEYS[1])
  else redis.call('pexpire', KEYS[1], string.format('%.0f', last - now)) end
end
local function at(ms) return string.format('%.0f', now + tonumber(ms)) end
`;

/** The token, if there is a live one. */
export const READ_TOKEN = `${PRELUDE}
local f = redis.call('hmget', KEYS[1], 'v', 've')
if f[1] and live(f[2]) then return f[1] end
return false`;

/** Takes the lock for ARGV[1] for ARGV[2] ms if nobody holds it; 1 if taken. */
export const TAKE_LOCK = `${PRELUDE}
local f = redis.call('hmget', KEYS[1], 'o', 'oe')
if f[1] and live(f[2]) then return 0 end
redis.call('hset', KEYS[1], 'o', ARGV[1], 'oe', at(ARGV[2]))
settle()
return 1`;

/** Sets the lock's remaining time to ARGV[2] ms while ARGV[1] holds it; 1 if extended. */
export const EXTEND_LOCK = `${PRELUDE}
local f = redis.call('hmget', KEYS[1], 'o', 'oe')
if f[1] ~= ARGV[1] or not live(f[2]) then return 0 end
redis.call('hset', KEYS[1], 'oe', at(ARGV[2]))
settle()
return 1`;

/** Releases the lock while ARGV[1] holds it; 1 if released. */
export const RELEASE_LOCK = `${PRELUDE}
if redis.call('hget', KEYS[1], 'o') ~= ARGV[1] then return 0 end
redis.call('hdel', KEYS[1], 'o', 'oe')
settle()
return 1`;

/**
 * Stores the token ARGV[1] for ARGV[3] ms, releases the lock and publishes ARGV[5] on channel
 * ARGV[4], while ARGV[2] holds the lock, or while nobody holds it and no token is stored (the
 * lock went with the data: a restart, a failover); 1 if stored. A fenced write: once another
 * replica has taken the lock or stored a token, it does nothing, however late Redis runs it.
 */
export const STORE_AND_UNLOCK = `${PRELUDE}
local f = redis.call('hmget', KEYS[1], 'o', 'oe', 've')
local mine = f[1] == ARGV[2] and live(f[2])
if not mine and (live(f[2]) or live(f[3])) then return 0 end
redis.call('hset', KEYS[1], 'v', ARGV[1], 've', at(ARGV[3]))
redis.call('hdel', KEYS[1], 'o', 'oe')
settle()
redis.call('publish', ARGV[4], ARGV[5])
return 1`;

/** Deletes the token while it is ARGV[1] (the lock stays); 1 if deleted. */
export const DELETE_TOKEN_IF = `${PRELUDE}
if redis.call('hget', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('hdel', KEYS[1], 'v', 've')
settle()
return 1`;
