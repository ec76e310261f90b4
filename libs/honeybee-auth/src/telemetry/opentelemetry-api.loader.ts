import type * as OpenTelemetryApi from '@opentelemetry/api';

/** The `@opentelemetry/api` module. */
export type OpenTelemetry = typeof OpenTelemetryApi;

let loading: Promise<OpenTelemetry | undefined> | undefined;

/**
 * `@opentelemetry/api` (an optional peer), loaded on first use and only then, so that the root
 * entry never loads it; `undefined` when it is not installed (nothing is recorded then).
 *
 * The API keeps what the application registers (its SDK's providers, its context manager) in a
 * process-wide global, so the copy loaded here finds the application's SDK.
 */
export function loadOpenTelemetry(): Promise<OpenTelemetry | undefined> {
  loading ??= import('@opentelemetry/api').then(
    (api) => api,
    () => undefined,
  );
  return loading;
}
