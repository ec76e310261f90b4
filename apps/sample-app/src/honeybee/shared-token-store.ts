import { Logger } from '@nestjs/common';
import { RedisTokenStore } from 'nestjs-honeybee-auth/redis';
import type { TokenStore } from 'nestjs-honeybee-auth';

/**
 * The token store shared by replicas, when `REDIS_URL` is set (`store` is undefined
 * otherwise). A provider of its own so that tests can swap in another store with
 * `overrideProvider`. (The library closes it on application shutdown.)
 */
export class SharedTokenStore {
  private readonly logger = new Logger('SharedTokenStore');

  constructor(readonly store?: TokenStore) {}

  /** A Redis store for `redisUrl`, or none. The URL (it may hold a password) is never logged. */
  static fromUrl(redisUrl: string | undefined): SharedTokenStore {
    if (!redisUrl) return new SharedTokenStore();
    const shared = new SharedTokenStore(new RedisTokenStore({ url: redisUrl }));
    shared.logger.log('Sharing Honeybee tokens through Redis (REDIS_URL)');
    return shared;
  }
}
