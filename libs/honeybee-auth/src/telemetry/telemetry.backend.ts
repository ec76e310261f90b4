import type { Span, Tracer } from '@opentelemetry/api';
import type { MeterInstruments } from './meter.instruments.js';
import type { OpenTelemetry } from './opentelemetry-api.loader.js';

/** What records once `@opentelemetry/api` is loaded: the API, the instruments and the tracer. */
export interface TelemetryBackend {
  readonly api: OpenTelemetry;
  readonly instruments: MeterInstruments;
  readonly tracer: Tracer;
}

/**
 * Each recording `HoneybeeTelemetry`'s backend. Kept here rather than on the class, so that the
 * class's public declaration (which `ScopesGuard`'s and the services' constructors name) never
 * mentions a type of `@opentelemetry/api`, an optional peer an application may not have.
 */
const backends = new WeakMap<object, TelemetryBackend>();

/** The backend of `telemetry`; `undefined` while nothing records (or without telemetry). */
export function backendOf(telemetry: object | undefined): TelemetryBackend | undefined {
  return telemetry && backends.get(telemetry);
}

/** Sets (or, with `undefined`, removes) the backend of `telemetry`. */
export function setBackend(telemetry: object, backend: TelemetryBackend | undefined): void {
  if (backend) backends.set(telemetry, backend);
  else backends.delete(telemetry);
}

/**
 * Runs `work` with `span` as the current span, so that spans started inside (an instrumented
 * `fetch`'s, a token request's) are its children.
 */
export function inSpan<T>(api: OpenTelemetry, span: Span, work: () => Promise<T>): Promise<T> {
  return api.context.with(api.trace.setSpan(api.context.active(), span), work);
}
