import type { Attributes } from '@opentelemetry/api';
import { storeErrorType } from '../telemetry/error-types.js';
import type { HoneybeeTelemetry } from '../telemetry/honeybee.telemetry.js';
import { backendOf } from '../telemetry/telemetry.backend.js';
import { ATTR } from '../telemetry/telemetry.conventions.js';
import type { StoreOperation } from '../telemetry/telemetry.conventions.js';
import type { TokenStore } from './token-store.interface.js';

/**
 * `store` with every operation counted (`honeybee_auth.store.operations`) and every failure
 * counted by operation and `error.type` (`honeybee_auth.store.failures`), for any store: Redis
 * or one of your own. What the store answers and how it fails are left exactly as they are.
 */
export function instrumentedTokenStore(
  store: TokenStore,
  telemetry: HoneybeeTelemetry | undefined,
): TokenStore {
  if (!telemetry) return store;
  const attributes = new Map<StoreOperation, Attributes>();
  const run = <T>(operation: StoreOperation, call: () => Promise<T>): Promise<T> => {
    const backend = backendOf(telemetry);
    if (!backend) return call();
    let operationAttributes = attributes.get(operation);
    if (!operationAttributes) {
      operationAttributes = { ...telemetry.clientAttributes, [ATTR.storeOperation]: operation };
      attributes.set(operation, operationAttributes);
    }
    backend.instruments.storeOperations.add(1, operationAttributes);
    let result: Promise<T>;
    try {
      result = call();
    } catch (err) {
      result = Promise.reject(err);
    }
    return result.catch((err: unknown) => {
      backend.instruments.storeFailures.add(1, {
        ...operationAttributes,
        [ATTR.errorType]: storeErrorType(err),
      });
      throw err;
    });
  };
  return {
    get: (key) => run('get', () => store.get(key)),
    setAndUnlock: (key, value, ttlMs, owner) =>
      run('commit', () => store.setAndUnlock(key, value, ttlMs, owner)),
    deleteIfEquals: (key, value) => run('delete', () => store.deleteIfEquals(key, value)),
    tryLock: (key, owner, ttlMs) => run('lock', () => store.tryLock(key, owner, ttlMs)),
    extendLock: (key, owner, ttlMs) =>
      run('extend_lock', () => store.extendLock(key, owner, ttlMs)),
    releaseLock: (key, owner) => run('release_lock', () => store.releaseLock(key, owner)),
    waitForUpdate: (key, timeoutMs, signal) =>
      run('wait', () => store.waitForUpdate(key, timeoutMs, signal)),
    ...(store.ping && { ping: () => run('ping', () => store.ping!()) }),
    ...(store.close && { close: () => store.close!() }),
  };
}
