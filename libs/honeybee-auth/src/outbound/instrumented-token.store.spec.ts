import { resolveOptions } from '../options/resolve-options.js';
import { HoneybeeTelemetry } from '../telemetry/honeybee.telemetry.js';
import { FakeClock } from '../testing/fake-clock.js';
import { TelemetryBed } from '../testing/telemetry.bed.js';
import { instrumentedTokenStore } from './instrumented-token.store.js';
import { MemoryTokenStore } from './memory-token.store.js';
import { RedisCommandError } from './redis-connection.js';
import type { TokenStore } from './token-store.interface.js';

const OPERATIONS = 'honeybee_auth.store.operations';
const FAILURES = 'honeybee_auth.store.failures';
let bed: TelemetryBed;
let telemetry: HoneybeeTelemetry;

beforeEach(async () => {
  bed = new TelemetryBed();
  telemetry = new HoneybeeTelemetry(
    resolveOptions({ clientId: 'app', clientSecret: 's', telemetry: bed.providers }),
    new FakeClock(),
  );
  await telemetry.onModuleInit();
});
afterEach(async () => {
  telemetry.onModuleDestroy();
  await bed.shutdown();
});

/** A store whose every operation fails with `error`. */
function failing(error: unknown): TokenStore {
  const fail = () => Promise.reject(error);
  return {
    get: fail,
    setAndUnlock: fail,
    deleteIfEquals: fail,
    tryLock: fail,
    extendLock: fail,
    releaseLock: fail,
    waitForUpdate: fail,
    ping: fail,
  };
}

it('counts every operation by name and hands back what the store answered', async () => {
  const store = instrumentedTokenStore(new MemoryTokenStore(), telemetry);
  expect(await store.tryLock('k', 'me', 1000)).toBe(true);
  expect(await store.extendLock('k', 'me', 1000)).toBe(true);
  expect(await store.setAndUnlock('k', 'v', 1000, 'me')).toBe(true);
  expect(await store.get('k')).toBe('v');
  expect(await store.deleteIfEquals('k', 'v')).toBe(true);
  await store.releaseLock('k', 'me');
  await store.waitForUpdate('k', 1);
  expect(store.ping).toBeUndefined(); // the memory store has none: neither has the wrapper

  const count = (operation: string) =>
    bed.sum(OPERATIONS, {
      'honeybee_auth.store.operation': operation,
      'honeybee_auth.client_id': 'app',
    });
  for (const operation of [
    'lock',
    'extend_lock',
    'commit',
    'get',
    'delete',
    'release_lock',
    'wait',
  ]) {
    expect(await count(operation)).toBe(1);
  }
  expect(await bed.sum(FAILURES)).toBe(0);
});

it.each([
  [
    'a RedisCommandError',
    new RedisCommandError('Redis is not connected (end)', 'not_connected'),
    'not_connected',
  ],
  [
    'an error with a code',
    Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    'ECONNREFUSED',
  ],
  [
    'an error class of its own',
    Object.assign(new Error('x'), { name: 'ReplyError' }),
    'ReplyError',
  ],
  ['a plain Error', new Error('the server said: secret-value'), '_OTHER'],
  [
    'a code that is free text',
    Object.assign(new Error('x'), { code: 'has spaces in it' }),
    '_OTHER',
  ],
  ['a string', 'oops', '_OTHER'],
])('counts a failure with %s by its code or class, never its message', async (_, error, type) => {
  const store = instrumentedTokenStore(failing(error), telemetry);
  await expect(store.get('k')).rejects.toBe(error);
  await expect(store.ping!()).rejects.toBe(error);
  expect(await bed.sum(OPERATIONS)).toBe(2);
  expect(
    await bed.sum(FAILURES, { 'honeybee_auth.store.operation': 'get', 'error.type': type }),
  ).toBe(1);
  expect(
    await bed.sum(FAILURES, { 'honeybee_auth.store.operation': 'ping', 'error.type': type }),
  ).toBe(1);
});

it('turns a store method that throws into a rejection, counted', async () => {
  const broken = {
    ...new MemoryTokenStore(),
    get: () => {
      throw new RedisCommandError('Redis did not answer within 500 ms', 'timeout');
    },
  } as unknown as TokenStore;
  const store = instrumentedTokenStore(broken, telemetry);
  await expect(store.get('k')).rejects.toThrow('did not answer');
  expect(await bed.sum(FAILURES, { 'error.type': 'timeout' })).toBe(1);
});

it('is the store itself without telemetry, and records nothing before the module starts', async () => {
  const memory = new MemoryTokenStore();
  expect(instrumentedTokenStore(memory, undefined)).toBe(memory);
  telemetry.onModuleDestroy();
  await instrumentedTokenStore(memory, telemetry).get('k');
  expect(await bed.sum(OPERATIONS)).toBe(0);
});
