// RedisTokenStore on each kind of Redis deployment: use the one you run. The store opens its
// own connections from these settings and closes them when the application shuts down.
import { readFileSync } from 'node:fs';
import { Cluster, Redis } from 'ioredis';
import { RedisTokenStore } from 'nestjs-honeybee-auth/redis';

/** One server, TLS with your CA (`rediss://`), the password in the URL. */
export function standaloneOverTls(
  url: string,
  caFile: string,
): RedisTokenStore {
  return new RedisTokenStore({
    url,
    redisOptions: { tls: { ca: readFileSync(caFile) } },
  });
}

/** Mutual TLS: the server also asks for a client certificate. */
export function mutualTls(
  url: string,
  files: { ca: string; cert: string; key: string },
): RedisTokenStore {
  const tls = {
    ca: readFileSync(files.ca),
    cert: readFileSync(files.cert),
    key: readFileSync(files.key),
  };
  return new RedisTokenStore({ url, redisOptions: { tls } });
}

/** A Sentinel set: the store asks the Sentinels for the master, again after each failover. */
export function sentinelSet(password: string): RedisTokenStore {
  return new RedisTokenStore({
    redisOptions: {
      sentinels: [
        { host: 'sentinel-1.internal', port: 26379 },
        { host: 'sentinel-2.internal', port: 26379 },
        { host: 'sentinel-3.internal', port: 26379 },
      ],
      name: 'mymaster',
      password,
    },
  });
}

/** A Redis Cluster (a managed one in cluster mode too): an ioredis `Cluster`. */
export function redisCluster(password: string): RedisTokenStore {
  return new RedisTokenStore({
    client: new Cluster([{ host: 'redis-cluster.internal', port: 6379 }], {
      // The store connects its own copy; this one only carries the settings.
      lazyConnect: true,
      redisOptions: { password, tls: {} },
    }),
  });
}

/** A client you already have, of any kind: the store copies its settings, never uses it. */
export function fromYourClient(client: Redis | Cluster): RedisTokenStore {
  return new RedisTokenStore({ client });
}
