import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisTokenStore } from 'nestjs-honeybee-auth/redis';
import { CapturingLogger } from '../../libs/honeybee-auth/src/testing/capturing-logger.js';
import { RedisServer } from '../fixtures/redis-server.js';
import { createTlsFiles, pem, removeTlsFiles } from '../fixtures/redis-tls.js';
import type { TlsFiles } from '../fixtures/redis-tls.js';
import { TokenFleet } from '../fixtures/token-fleet.js';

describe('RedisTokenStore over TLS (a redis-server with --tls-port and client certificates)', () => {
  let pki: TlsFiles;
  let strangers: TlsFiles;
  let redis: RedisServer;
  let logs: CapturingLogger;
  const stores: RedisTokenStore[] = [];
  const tlsStore = (tls: Record<string, unknown>, operationTimeoutMs = 500) => {
    const s = new RedisTokenStore({ url: redis.url, redisOptions: { tls }, operationTimeoutMs });
    stores.push(s);
    return s;
  };

  beforeAll(async () => {
    pki = createTlsFiles();
    strangers = createTlsFiles();
    redis = await RedisServer.start({ tls: pki, tlsAuthClients: true });
    logs = new CapturingLogger();
    Logger.overrideLogger(logs);
  });

  afterAll(async () => {
    Logger.overrideLogger(new Logger());
    await redis.close();
    removeTlsFiles(pki);
    removeTlsFiles(strangers);
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it('4 replicas share one token over mutual TLS, from a rediss:// URL or a client of yours', async () => {
    const tls = { ca: pem(pki.caCert), cert: pem(pki.clientCert), key: pem(pki.clientKey) };
    const own = new RedisTokenStore({
      client: new Redis(redis.url, { tls, lazyConnect: true }),
    });
    stores.push(own);
    const fleet = await TokenFleet.start([tlsStore(tls), tlsStore(tls), tlsStore(tls), own]);
    try {
      const tokens = await Promise.all(fleet.services.map((s) => s.getAccessToken()));
      expect(new Set(tokens).size).toBe(1);
      expect(fleet.server.requests).toHaveLength(1);
      expect(await fleet.services[3].checkStore()).toBe(true);
    } finally {
      await fleet.close();
    }
  });

  it.each([
    [
      'a server certificate from another CA',
      () => ({ ca: pem(strangers.caCert), cert: pem(pki.clientCert), key: pem(pki.clientKey) }),
    ],
    ['no client certificate', () => ({ ca: pem(pki.caCert) })],
    [
      'a client certificate from another CA',
      () => ({
        ca: pem(pki.caCert),
        cert: pem(strangers.clientCert),
        key: pem(strangers.clientKey),
      }),
    ],
  ])(
    'refuses the connection with %s: the store reports down, calls still get tokens',
    async (_, tls) => {
      const store = tlsStore(tls(), 300);
      await expect(store.ping()).rejects.toThrow(/Redis/);
      const fleet = await TokenFleet.start([store]);
      try {
        expect(await fleet.services[0].getAccessToken()).toMatch(/^tok-/);
        expect(await fleet.services[0].checkStore()).toBe(false);
      } finally {
        await fleet.close();
      }
    },
  );
});
