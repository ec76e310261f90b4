import type { Logger } from '@nestjs/common';
import type { TokenStore } from './token-store.interface.js';

/** Longest {@link TokenStoreHealth.check} waits for the store, in milliseconds. */
const STORE_CHECK_TIMEOUT_MS = 1000;

/**
 * Whether the shared {@link TokenStore} answered the last time it was used. Every use reports
 * its outcome here; a change is logged once (unavailable, reachable again), not per call.
 */
export class TokenStoreHealth {
  private healthy = true;

  constructor(
    private readonly store: TokenStore,
    private readonly logger: Logger,
  ) {}

  /** Whether the store answered the last time it was used. */
  get isHealthy(): boolean {
    return this.healthy;
  }

  /** The store answered. */
  ok(): void {
    if (this.healthy) return;
    this.healthy = true;
    this.logger.log('Shared token store reachable again; sharing tokens across replicas');
  }

  /** The store failed with `err` (or did not answer in time). */
  failed(err: unknown): void {
    if (!this.healthy) return;
    this.healthy = false;
    this.logger.warn(
      `Shared token store unavailable (${(err as Error)?.message ?? String(err)}); tokens are not shared until it recovers`,
    );
  }

  /**
   * Pings the store and resolves whether it answered, within {@link STORE_CHECK_TIMEOUT_MS}
   * (so a hanging custom store cannot hang a health check). Never rejects.
   */
  async check(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.store.ping ? this.store.ping() : this.store.get('ping'),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${STORE_CHECK_TIMEOUT_MS} ms`)),
            STORE_CHECK_TIMEOUT_MS,
          ).unref();
        }),
      ]);
      this.ok();
    } catch (err) {
      this.failed(err);
    } finally {
      clearTimeout(timer);
    }
    return this.healthy;
  }
}
