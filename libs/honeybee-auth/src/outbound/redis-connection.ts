import type { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';

/** Any ioredis client: standalone, Sentinel-backed (both `Redis`) or `Cluster`. */
export type AnyRedisClient = Redis | Cluster;

/**
 * Settings that make a connection refuse rather than queue or repeat: no offline queue, no
 * resending of commands that were in flight when the connection dropped, and those commands
 * rejected at once on the drop instead of after some reconnection attempts.
 */
const FAIL_FAST: Partial<RedisOptions> = {
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 0,
  lazyConnect: false,
};

/**
 * Why a command was not run: no answer in time (`timeout`), no connection (`not_connected`),
 * too many commands unanswered (`overloaded`). The `code` is what the store's metrics report as
 * `error.type`.
 */
export class RedisCommandError extends Error {
  override readonly name = 'RedisCommandError';

  constructor(
    message: string,
    readonly code: 'timeout' | 'not_connected' | 'overloaded',
  ) {
    super(message);
  }
}

/** Statuses in which a connection attempt is under way: worth a short wait. */
const CONNECTING = new Set(['wait', 'connecting', 'connect']);

/**
 * Most commands one connection may have sent and not yet seen answered. Past it, new commands
 * are refused: a stalled connection cannot pile up memory however often it is called.
 */
export const MAX_PENDING_COMMANDS = 100;

/**
 * Opens the store's command connection from `source`: a copy of the caller's client (same
 * servers, credentials, TLS, Sentinel or Cluster settings) with {@link FAIL_FAST} on top.
 */
export function openCommandClient(source: AnyRedisClient, socketTimeoutMs: number): AnyRedisClient {
  if (source.isCluster) {
    const cluster = source as Cluster;
    return cluster.duplicate([], {
      enableOfflineQueue: false,
      lazyConnect: false,
      redisOptions: {
        ...cluster.options.redisOptions,
        autoResendUnfulfilledCommands: false,
        maxRetriesPerRequest: 0,
        socketTimeout: socketTimeoutMs,
      },
    } as ClusterOptions);
  }
  return (source as Redis).duplicate({ ...FAIL_FAST, socketTimeout: socketTimeoutMs });
}

/**
 * Opens the store's pub/sub connection from `source`. Unlike commands, a `SUBSCRIBE` may wait
 * for the connection (it is harmless whenever it runs) and is renewed after every reconnect.
 */
export function openSubscriberClient(source: AnyRedisClient): AnyRedisClient {
  if (source.isCluster) {
    return (source as Cluster).duplicate([], { enableOfflineQueue: true, lazyConnect: false });
  }
  return (source as Redis).duplicate({
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    autoResubscribe: true,
    lazyConnect: false,
  });
}

/**
 * One ioredis connection that answers within a time limit or refuses, and never runs a command
 * later: a command is sent only while the connection is ready (it waits for readiness only while
 * a connection attempt is under way, and at most until its own deadline); once its deadline
 * passes, the caller gets an error and the command is not sent anymore. What was sent is not
 * resent after a reconnect (see {@link openCommandClient}).
 *
 * Waiting callers are kept in one set, each removed when it is served or gives up; the
 * connection carries a fixed number of event listeners whatever the number of callers.
 */
export class RedisConnection {
  private readonly waiters = new Set<(expired?: boolean) => void>();
  private pending = 0;

  constructor(
    readonly client: AnyRedisClient,
    private readonly timeoutMs: number,
  ) {
    // Errors surface through the commands that fail; an unhandled 'error' event would crash.
    client.on('error', () => undefined);
    const wake = () => {
      for (const waiter of [...this.waiters]) waiter();
    };
    for (const event of ['ready', 'close', 'end', 'reconnecting']) client.on(event, wake);
  }

  /**
   * Runs `command` on the client once it is ready, within the time limit. Rejects at once when
   * the connection is down, or when {@link MAX_PENDING_COMMANDS} commands are unanswered.
   */
  async run<T>(command: (client: AnyRedisClient) => Promise<T>): Promise<T> {
    const deadline = performance.now() + this.timeoutMs;
    if (this.client.status !== 'ready') await this.ready(deadline);
    if (this.pending >= MAX_PENDING_COMMANDS) {
      throw new RedisCommandError(
        `Redis has ${this.pending} commands unanswered; refusing more`,
        'overloaded',
      );
    }
    this.pending++;
    const sent = command(this.client).finally(() => this.pending--);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RedisCommandError(`Redis did not answer within ${this.timeoutMs} ms`, 'timeout'),
          ),
        Math.max(0, deadline - performance.now()),
      );
    });
    // A command that answers after its deadline must not surface as an unhandled rejection.
    sent.catch(() => undefined);
    try {
      return await Promise.race([sent, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Disconnects at once; commands in flight are rejected. */
  close(): void {
    this.client.disconnect();
  }

  private ready(deadline: number): Promise<void> {
    const status = this.client.status;
    if (!CONNECTING.has(status)) {
      return Promise.reject(
        new RedisCommandError(`Redis is not connected (${status})`, 'not_connected'),
      );
    }
    if (status === 'wait') void this.client.connect().catch(() => undefined);
    return new Promise((resolve, reject) => {
      const settle = (expired = false) => {
        const now = this.client.status;
        if (now !== 'ready' && CONNECTING.has(now) && !expired) return;
        clearTimeout(timer);
        this.waiters.delete(settle);
        if (now === 'ready') resolve();
        else
          reject(
            CONNECTING.has(now)
              ? new RedisCommandError(
                  `Redis did not become ready within ${this.timeoutMs} ms`,
                  'timeout',
                )
              : new RedisCommandError(`Redis is not connected (${now})`, 'not_connected'),
          );
      };
      const timer = setTimeout(() => settle(true), Math.max(0, deadline - performance.now()));
      this.waiters.add(settle);
    });
  }
}
