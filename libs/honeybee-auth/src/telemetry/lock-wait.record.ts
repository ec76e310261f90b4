import type { HoneybeeTelemetry } from './honeybee.telemetry.js';
import { backendOf } from './telemetry.backend.js';
import { ATTR } from './telemetry.conventions.js';
import type { LockWaitResult } from './telemetry.conventions.js';

/**
 * Records one wait for another replica's token (`honeybee_auth.store.lock.wait_time`): `ms`
 * from the moment the lock was found taken until `result`.
 */
export function recordLockWait(
  telemetry: HoneybeeTelemetry | undefined,
  scopeKey: string,
  ms: number,
  result: LockWaitResult,
): void {
  const backend = backendOf(telemetry);
  if (!telemetry || !backend) return;
  backend.instruments.lockWaitTime.record(ms / 1000, {
    ...telemetry.clientAttributes,
    [ATTR.scope]: telemetry.scopeLabel(scopeKey),
    [ATTR.lockWaitResult]: result,
  });
}
