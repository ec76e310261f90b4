/**
 * `nestjs-honeybee-auth/redis`: the Redis-backed shared token store. A sub-path of its own so
 * that the root entry never loads `ioredis` (an optional peer dependency).
 */
export { RedisTokenStore } from './outbound/redis-token.store.js';
export type { RedisTokenStoreOptions } from './outbound/redis-token.store.js';
