import { Logger } from '@nestjs/common';
import { CapturingLogger } from '../testing/capturing-logger.js';
import { MemoryTokenStore } from './memory-token.store.js';
import type { TokenStore } from './token-store.interface.js';
import { TokenStoreHealth } from './token-store.health.js';

describe('TokenStoreHealth', () => {
  let logs: CapturingLogger;
  const store = new MemoryTokenStore();
  const health = (s: TokenStore = store) => new TokenStoreHealth(s, new Logger('test'));

  beforeEach(() => {
    logs = new CapturingLogger();
    Logger.overrideLogger(logs);
  });
  afterEach(() => Logger.overrideLogger(new Logger()));

  it('reports a store that never answers as unhealthy within a second', async () => {
    const hanging: TokenStore = Object.assign(Object.create(store) as TokenStore, {
      ping: () => new Promise<void>(() => undefined),
    });
    const started = performance.now();
    expect(await health(hanging).check()).toBe(false);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('pings with get when the store has no ping', async () => {
    const asked: string[] = [];
    const plain: TokenStore = Object.assign(Object.create(store) as TokenStore, {
      ping: undefined,
      get: async (key: string) => void asked.push(key),
    });
    expect(await health(plain).check()).toBe(true);
    expect(asked).toEqual(['ping']);
  });

  it('logs each change once: unavailable, then reachable again', async () => {
    const h = health();
    h.failed(new Error('connection refused'));
    h.failed(new Error('connection refused'));
    expect(h.isHealthy).toBe(false);
    h.ok();
    h.ok();
    expect(h.isHealthy).toBe(true);
    expect(logs.lines).toEqual([
      'Shared token store unavailable (connection refused); tokens are not shared until it recovers test',
      'Shared token store reachable again; sharing tokens across replicas test',
    ]);
  });
});
