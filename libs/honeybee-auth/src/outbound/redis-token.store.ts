import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { TokenStore } from './token-store.interface.js';

/** Options of {@link RedisTokenStore}. Give `client` or `url`. */
export interface RedisTokenStoreOptions {
  /** Your own ioredis client (you close it). Set `enableOfflineQueue: false` so it fails fast. */
  client?: Redis;
  /** A `redis://` / `rediss://` URL; the store then owns the connection and closes it. */
  url?: string;
  /** Extra ioredis options when the store creates the client from `url`. */
  redisOptions?: RedisOptions;
  /**
   * Prefix of every key and of the pub/sub channel.
   * @default 'honeybee-auth:'
   */
  keyPrefix?: string;
  /**
   * Longest wait for one Redis command, in milliseconds; past it the token service falls back
   * to fetching locally.
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

const COMPARE_AND_DELETE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const COMPARE_AND_EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * A {@link TokenStore} on Redis (ioredis), so that every replica shares one token per scope set
 * and only one replica fetches it. Locks are `SET NX PX` with an owner value, released and
 * extended only by their owner (Lua compare-and-set); updates are announced on a pub/sub
 * channel. Values arrive encrypted by the token service.
 *
 * @example
 * HoneybeeAuthModule.forRoot({
 *   clientId, clientSecret,
 *   tokenStore: { store: new RedisTokenStore({ url: process.env.REDIS_URL }) },
 * })
 */
export class RedisTokenStore implements TokenStore {
  private readonly redis: Redis;
  private readonly owned: boolean;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  private subscriber?: Redis;
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(options: RedisTokenStoreOptions) {
    if (!options.client && !options.url) {
      throw new TypeError('RedisTokenStore needs either `client` or `url`');
    }
    this.owned = !options.client;
    this.redis =
      options.client ??
      new Redis(options.url!, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 2000,
        retryStrategy: (times) => Math.min(times * 200, 2000),
        ...options.redisOptions,
      });
    // Errors are reported through rejected commands (and the service's fallback log).
    if (this.owned) this.redis.on('error', () => undefined);
    this.prefix = options.keyPrefix ?? 'honeybee-auth:';
    this.timeoutMs = options.operationTimeoutMs ?? 500;
    this.pollMs = options.pollIntervalMs ?? 250;
  }

  /** The pub/sub channel on which updates are announced. */
  get channel(): string {
    return `${this.prefix}updates`;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.run(() => this.redis.get(this.k(key)))) ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.run(() => this.redis.set(this.k(key), value, 'PX', Math.max(1, Math.floor(ttlMs))));
    await this.run(() => this.redis.publish(this.channel, key));
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    return (await this.run(() => this.redis.eval(COMPARE_AND_DELETE, 1, this.k(key), value))) === 1;
  }

  async tryLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const ok = await this.run(() =>
      this.redis.set(this.k(`lock:${key}`), owner, 'PX', Math.ceil(ttlMs), 'NX'),
    );
    return ok === 'OK';
  }

  async extendLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const r = await this.run(() =>
      this.redis.eval(COMPARE_AND_EXTEND, 1, this.k(`lock:${key}`), owner, Math.ceil(ttlMs)),
    );
    return r === 1;
  }

  async releaseLock(key: string, owner: string): Promise<void> {
    await this.run(() => this.redis.eval(COMPARE_AND_DELETE, 1, this.k(`lock:${key}`), owner));
  }

  async waitForUpdate(key: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    this.subscribe();
    await new Promise<void>((resolve) => {
      const set = this.waiters.get(key) ?? new Set();
      this.waiters.set(key, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(timeoutMs, this.pollMs)).unref();
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async ping(): Promise<void> {
    await this.run(() => this.redis.ping());
  }

  /** Closes the connections this store opened (not a client you passed in). */
  async close(): Promise<void> {
    this.subscriber?.disconnect();
    if (this.owned) this.redis.disconnect();
  }

  private subscribe(): void {
    if (this.subscriber) return;
    const sub = this.redis.duplicate({ enableOfflineQueue: true });
    sub.on('error', () => undefined);
    sub.on('message', (_channel: string, key: string) => {
      for (const wake of [...(this.waiters.get(key) ?? [])]) wake();
    });
    sub.subscribe(this.channel).catch(() => undefined);
    this.subscriber = sub;
  }

  private k(key: string): string {
    return `${this.prefix}${key}`;
  }

  /**
   * Runs a command once the connection is ready, all within `operationTimeoutMs`. Commands are
   * never queued while Redis is away (a late lock or write would do harm), they fail instead.
   */
  private async run<T>(command: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      ).unref();
    });
    const work = (async () => {
      if (this.redis.status !== 'ready') await this.ready();
      return command();
    })();
    work.catch(() => undefined);
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private ready(): Promise<void> {
    if (this.redis.status === 'wait') void this.redis.connect().catch(() => undefined);
    return new Promise((resolve) => this.redis.once('ready', () => resolve()));
  }
}
