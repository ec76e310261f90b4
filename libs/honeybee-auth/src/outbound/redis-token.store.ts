import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { TokenStore } from './token-store.interface.js';
import { RedisConnection, openCommandClient, openSubscriberClient } from './redis-connection.js';
import type { AnyRedisClient } from './redis-connection.js';
import {
  DELETE_TOKEN_IF,
  EXTEND_LOCK,
  READ_TOKEN,
  RELEASE_LOCK,
  STORE_AND_UNLOCK,
  TAKE_LOCK,
} from './redis-token.scripts.js';

/**
 * Options of {@link RedisTokenStore}. Give `client`, or `url` and/or `redisOptions`.
 *
 * @example Standalone, TLS: `{ url: 'rediss://:password@redis.internal:6380', redisOptions: { tls: { ca } } }`
 * @example Sentinel: `{ redisOptions: { sentinels: [{ host, port }], name: 'mymaster', password } }`
 * @example Cluster: `{ client: new Cluster([{ host, port }], { lazyConnect: true }) }`
 */
export interface RedisTokenStoreOptions {
  /**
   * An ioredis client of any kind: `Redis` (standalone or Sentinel-backed) or `Cluster`. The
   * store opens its own connections with the same settings (`client.duplicate()`, plus the
   * fail-fast settings it needs) and never sends a command through yours; you close yours.
   * Create it with `lazyConnect: true` if you have no other use for it.
   */
  client?: AnyRedisClient;
  /** A `redis://` or `rediss://` (TLS) URL of a standalone server. */
  url?: string;
  /**
   * ioredis options for the connection the store opens: on top of `url`, or alone (`host`,
   * `port`, `tls`, `password`, or `sentinels` + `name` for a Sentinel set). The store always
   * sets `enableOfflineQueue: false`, `autoResendUnfulfilledCommands: false` and
   * `maxRetriesPerRequest: 0` on its command connection.
   */
  redisOptions?: RedisOptions;
  /**
   * Prefix of every key and of the pub/sub channel, without `{` or `}` (keys are
   * `<prefix>{<scope set's key>}`; the braces are a Cluster hash tag).
   * @default 'honeybee-auth:'
   */
  keyPrefix?: string;
  /**
   * Longest wait for one Redis command, in milliseconds, waiting for a connection attempt
   * included. Past it the command fails (and is never sent later) and the token service falls
   * back as documented.
   * @default 500
   */
  operationTimeoutMs?: number;
  /**
   * While waiting for another replica's token, re-read the store at least this often, in
   * milliseconds (pub/sub wakes waiters sooner; polling covers a lost message).
   * @default 250
   */
  pollIntervalMs?: number;
}

/**
 * A {@link TokenStore} on Redis (ioredis): standalone, Sentinel or Cluster, with or without
 * TLS. Every replica shares one token per scope set and only one replica fetches it.
 *
 * - One hash per scope set holds the token and its refresh lock, so that every operation is
 *   one Lua script on one key: one Cluster slot, moved in one piece by a slot migration.
 *   Locks carry a random owner value and are extended, released and written through only by
 *   their owner; expiry is judged on the Redis server's clock.
 * - Nothing is queued while Redis is away and nothing runs late: a command is refused at once
 *   when the connection is down, fails after `operationTimeoutMs` otherwise, and is then never
 *   sent. Should Redis still run a command that its caller gave up on (a stalled connection
 *   that delivers it later), it does no harm: a lock taken that way lapses within
 *   2 × `operationTimeoutMs` (it gets its full TTL only once its owner saw the answer), and a
 *   token is written only while its writer still holds the lock (or while lock and token are
 *   both gone, as after a restart).
 * - Updates are announced on a pub/sub channel. Values arrive encrypted by the token service.
 *
 * @example
 * import { RedisTokenStore } from 'nestjs-honeybee-auth/redis';
 *
 * HoneybeeAuthModule.forRoot({
 *   clientId, clientSecret,
 *   tokenStore: { store: new RedisTokenStore({ url: process.env.REDIS_URL }) },
 * })
 */
export class RedisTokenStore implements TokenStore {
  private readonly commands: RedisConnection;
  private readonly source: AnyRedisClient;
  private readonly prefix: string;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private subscriber?: AnyRedisClient;
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(options: RedisTokenStoreOptions) {
    const { client, url, redisOptions } = options ?? {};
    if (client && (url !== undefined || redisOptions !== undefined)) {
      throw new TypeError(
        'RedisTokenStore takes either `client` or `url`/`redisOptions`, not both',
      );
    }
    if (!client && url === undefined && redisOptions === undefined) {
      throw new TypeError('RedisTokenStore needs `client`, `url` or `redisOptions`');
    }
    if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url))) {
      throw new TypeError('RedisTokenStore `url` must start with redis:// or rediss://');
    }
    this.prefix = options.keyPrefix ?? 'honeybee-auth:';
    if (typeof this.prefix !== 'string' || /[{}]/.test(this.prefix)) {
      throw new TypeError('RedisTokenStore `keyPrefix` must be a string without { or }');
    }
    const timeoutMs = positive(options.operationTimeoutMs, 500, 'operationTimeoutMs');
    this.pollMs = positive(options.pollIntervalMs, 250, 'pollIntervalMs');
    this.leaseMs = 2 * timeoutMs;
    // The settings to copy: the caller's client, or a never-connected template of our own.
    this.source =
      client ??
      templateClient(url, {
        connectTimeout: 2000,
        retryStrategy: (times) => Math.min(times * 100, 2000),
        ...redisOptions,
        lazyConnect: true,
      });
    // A connection that stays silent this long with commands pending is dropped and reopened.
    this.commands = new RedisConnection(
      openCommandClient(this.source, Math.max(2000, 4 * timeoutMs)),
      timeoutMs,
    );
  }

  /** The pub/sub channel on which updates are announced. */
  get channel(): string {
    return `${this.prefix}updates`;
  }

  async get(key: string): Promise<string | undefined> {
    return ((await this.script(READ_TOKEN, key)) as string | null) ?? undefined;
  }

  async setAndUnlock(key: string, value: string, ttlMs: number, owner: string): Promise<boolean> {
    const ttl = Math.max(1, Math.floor(ttlMs));
    return (await this.script(STORE_AND_UNLOCK, key, value, owner, ttl, this.channel, key)) === 1;
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    return (await this.script(DELETE_TOKEN_IF, key, value)) === 1;
  }

  /**
   * Takes the lock for a short lease first and gives it its full `ttlMs` only once the answer
   * is in: a take that Redis runs after this call gave up leaves a lock that soon lapses. On
   * failure it also sends a release, which Redis runs after whatever it still runs late.
   */
  async tryLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const lease = Math.min(Math.ceil(ttlMs), this.leaseMs);
    try {
      if ((await this.script(TAKE_LOCK, key, owner, lease)) !== 1) return false;
      return lease >= ttlMs || (await this.extendLock(key, owner, ttlMs));
    } catch (err) {
      // Same connection, so ordered after the commands that failed (if it is still up).
      await this.releaseLock(key, owner).catch(() => undefined);
      throw err;
    }
  }

  async extendLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.script(EXTEND_LOCK, key, owner, Math.ceil(ttlMs))) === 1;
  }

  async releaseLock(key: string, owner: string): Promise<void> {
    await this.script(RELEASE_LOCK, key, owner);
  }

  async waitForUpdate(key: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    this.subscribe();
    await new Promise<void>((resolve) => {
      const set = this.waiters.get(key) ?? new Set();
      this.waiters.set(key, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(timeoutMs, this.pollMs)).unref();
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async ping(): Promise<void> {
    await this.commands.run((r) => r.ping());
  }

  /** Closes the connections this store opened (never a client you passed in). */
  async close(): Promise<void> {
    this.subscriber?.disconnect();
    this.commands.close();
  }

  private subscribe(): void {
    if (this.subscriber) return;
    const sub = openSubscriberClient(this.source);
    sub.on('error', () => undefined);
    sub.on('message', (_channel: string, key: string) => {
      for (const wake of [...(this.waiters.get(key) ?? [])]) wake();
    });
    sub.subscribe(this.channel).catch(() => undefined);
    this.subscriber = sub;
  }

  /** Runs one of the store's scripts on the hash of `key` (plain `EVAL`: never run twice). */
  private script(lua: string, key: string, ...args: Array<string | number>): Promise<unknown> {
    return this.commands.run((r) => r.eval(lua, 1, `${this.prefix}{${key}}`, ...args));
  }
}

/** A client that never connects: only its parsed settings are copied. */
function templateClient(url: string | undefined, options: RedisOptions): Redis {
  return url === undefined ? new Redis(options) : new Redis(url, options);
}

function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`RedisTokenStore \`${field}\` must be a positive number of milliseconds`);
  }
  return value;
}
