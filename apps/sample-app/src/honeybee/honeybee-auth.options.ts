import type { HoneybeeAuthModuleOptions } from 'nestjs-honeybee-auth';
import type { SampleAppSettings } from '../config/sample-app.settings.js';
import { DEMO_CALLERS } from './embedded-honeybee.js';
import type { EmbeddedHoneybee } from './embedded-honeybee.js';
import type { PrometheusMetrics } from '../observability/prometheus-metrics.js';
import type { SharedTokenStore } from './shared-token-store.js';

/** Scopes of the app's default outbound token; `POST /orders` asks for `orders:write` per call. */
export const DEFAULT_OUTBOUND_SCOPES = ['prescriptions:read'];
/** The per-call scope set of `POST /orders`. */
export const ORDER_SCOPES = ['orders:write'];

/** What the options are built from besides the settings. */
export interface HoneybeeConnection {
  shared: SharedTokenStore;
  /** With `OTEL_METRICS_EXPORTER=prometheus`. */
  metrics?: PrometheusMetrics;
  /** In embedded mode, the running emulator. */
  embedded?: EmbeddedHoneybee;
}

/**
 * `HoneybeeAuthModule`'s options for the sample app, from its settings and, in embedded mode,
 * the running emulator.
 */
export function honeybeeAuthOptions(
  settings: Pick<SampleAppSettings, 'honeybee' | 'webhookSecret' | 'apiTimeoutMs'>,
  { shared, metrics, embedded }: HoneybeeConnection,
): HoneybeeAuthModuleOptions {
  const common = {
    // Least privilege: reads use a read-only token; the order route asks for orders:write.
    scopes: DEFAULT_OUTBOUND_SCOPES,
    // Every HoneybeeHttpService call gets this timeout (axios `timeout`).
    httpTimeoutMs: settings.apiTimeoutMs,
    tokenStore: shared.store ? { store: shared.store } : undefined,
    // Metrics for GET /metrics; the order route's scope set gets its own series.
    telemetry: {
      ...(metrics && { meterProvider: metrics.meterProvider }),
      scopeSets: [ORDER_SCOPES],
    },
  };
  // Callers' tokens are opaque: ask Honeybee's token-info endpoint (cached for 60 s), and accept
  // only the tokens of the clients that may call this app, not any Honeybee client's.
  const inbound = (allowedClientIds: string[] | undefined) => ({
    verifier: 'token-info' as const,
    allowedClientIds,
  });
  if (embedded) {
    const { emulator, appClient } = embedded;
    return {
      ...common,
      ...appClient,
      tokenUrl: emulator.tokenUrl,
      apiBaseUrl: emulator.apiBaseUrl,
      allowInsecureLoopback: true,
      webhookSecret: embedded.webhookSecret,
      // The demo callers; a token of any other client of the emulator is refused (401).
      inbound: inbound(DEMO_CALLERS.map((caller) => caller.clientId)),
    };
  }
  const { honeybee } = settings;
  if (honeybee.mode !== 'remote') throw new Error('The embedded emulator has not been started');
  return {
    ...common,
    clientId: honeybee.clientId,
    clientSecret: honeybee.clientSecret,
    tokenUrl: honeybee.tokenUrl,
    apiBaseUrl: honeybee.apiBaseUrl,
    // Only so that the app can be pointed at `npm run emulator` on this machine; the library
    // refuses http:// for any host that is not loopback either way.
    allowInsecureLoopback: [honeybee.tokenUrl, honeybee.apiBaseUrl].some(isLoopbackHttp),
    webhookSecret: settings.webhookSecret,
    inbound: inbound(honeybee.allowedClientIds),
  };
}

function isLoopbackHttp(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const { protocol, hostname } = new URL(url);
    return protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(hostname);
  } catch {
    return false; // the library names the bad URL at start-up
  }
}
