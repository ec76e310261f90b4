import { HoneybeeConfigError } from '../errors/honeybee-config.error.js';
import type { HoneybeeTelemetryOptions } from './honeybee-auth-options.interface.js';
import { optionalBoolean, scopes } from './option-fields.js';
import type { ResolvedTelemetryOptions } from './resolved-options.js';

/**
 * The `telemetry` options validated and normalised: `enabled` (default true), the providers
 * (each checked to have its `getMeter` / `getTracer`), and `scopeSets` as scope keys (normalised
 * scopes, space-joined), as the token service keys its scope sets.
 * @throws HoneybeeConfigError naming the first bad field.
 */
export function resolveTelemetryOptions(
  value: HoneybeeTelemetryOptions | undefined,
): ResolvedTelemetryOptions {
  const telemetry = value ?? {};
  if (telemetry === null || typeof telemetry !== 'object') {
    throw new HoneybeeConfigError('telemetry', 'must be an object');
  }
  const provider = <K extends 'meterProvider' | 'tracerProvider'>(field: K, method: string) => {
    const p = telemetry[field];
    if (
      p !== undefined &&
      (p === null || typeof (p as Record<string, unknown>)[method] !== 'function')
    ) {
      const type = field === 'meterProvider' ? 'MeterProvider' : 'TracerProvider';
      throw new HoneybeeConfigError(
        `telemetry.${field}`,
        `must be an OpenTelemetry ${type} (with ${method}())`,
      );
    }
    return p;
  };
  const sets = telemetry.scopeSets ?? [];
  if (!Array.isArray(sets)) {
    throw new HoneybeeConfigError('telemetry.scopeSets', 'must be an array of scope arrays');
  }
  return {
    enabled: optionalBoolean(telemetry, 'enabled', true, 'telemetry.'),
    meterProvider: provider('meterProvider', 'getMeter'),
    tracerProvider: provider('tracerProvider', 'getTracer'),
    scopeSets: sets.map((set, i) => scopes(set, `telemetry.scopeSets[${i}]`).join(' ')),
  };
}
