/**
 * The sample app's settings, read once from the environment by {@link loadSettings} (or built
 * by a test) and served to the rest of the app through `@nestjs/config`'s `ConfigService`.
 */
export interface SampleAppSettings {
  /** Where the app listens. */
  http: {
    /** @default '127.0.0.1' (`HOST`) */
    host: string;
    /** `0` picks a free port. @default 3000 (`PORT`) */
    port: number;
  };
  /** Which Honeybee to talk to: the embedded emulator (no credentials) or a real one. */
  honeybee: EmbeddedHoneybeeSettings | RemoteHoneybeeSettings;
  /**
   * Timeout of one Partners API call, in milliseconds (`HONEYBEE_API_TIMEOUT_MS`).
   * @default 5000
   */
  apiTimeoutMs: number;
  /** Secret Honeybee sends in `X-Honeybee-Secret` (`HONEYBEE_WEBHOOK_SECRET`). */
  webhookSecret?: string;
  /** Redis for a token store shared by replicas (`REDIS_URL`). */
  redisUrl?: string;
  /**
   * `'prometheus'`: the module's metrics in Prometheus's text format at `GET /metrics`
   * (`OTEL_METRICS_EXPORTER=prometheus`, OpenTelemetry's own variable).
   * @default none
   */
  metricsExporter?: 'prometheus';
  /**
   * How many webhook events `GET /webhooks/honeybee/recent` keeps.
   * @default 20
   */
  recentWebhookLimit: number;
}

/** No credentials given: start a Honeybee emulator on loopback and use it. */
export interface EmbeddedHoneybeeSettings {
  mode: 'embedded';
  /**
   * Lifetime of the tokens the emulator issues to the app's own client, in seconds.
   * @default 43200 (Honeybee's)
   */
  tokenLifetimeSeconds?: number;
}

/** Credentials given: a real Honeybee (production or sandbox). */
export interface RemoteHoneybeeSettings {
  mode: 'remote';
  clientId: string;
  clientSecret: string;
  /** @default the library's (production) */
  tokenUrl?: string;
  /** @default the library's (production) */
  apiBaseUrl?: string;
  /**
   * The Honeybee clients whose tokens may call this app (`HONEYBEE_ALLOWED_CLIENT_IDS`,
   * comma-separated), passed as `inbound.allowedClientIds`.
   * @default any client (the library warns at start-up)
   */
  allowedClientIds?: string[];
}

/** A setting that cannot be used; `variable` names the environment variable. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';

  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

/** Environment variables that only make sense with real credentials. */
const REMOTE_ONLY = [
  'HONEYBEE_TOKEN_URL',
  'HONEYBEE_API_BASE_URL',
  'HONEYBEE_ALLOWED_CLIENT_IDS',
] as const;

/**
 * Reads the settings from environment variables. Throws a {@link SettingsError} naming the
 * variable on bad input; the message never contains a secret's value.
 *
 * Without `HONEYBEE_CLIENT_ID` and `HONEYBEE_CLIENT_SECRET` the app runs against the embedded
 * emulator. Setting a Honeybee URL without credentials is refused rather than silently
 * ignored, so nobody believes they are talking to the real Honeybee when they are not.
 */
export function loadSettings(env: Record<string, string | undefined>): SampleAppSettings {
  const value = (name: string) => {
    const raw = env[name]?.trim();
    return raw ? raw : undefined;
  };
  const clientId = value('HONEYBEE_CLIENT_ID');
  const clientSecret = value('HONEYBEE_CLIENT_SECRET');
  if (!clientId !== !clientSecret) {
    const missing = clientId ? 'HONEYBEE_CLIENT_SECRET' : 'HONEYBEE_CLIENT_ID';
    throw new SettingsError(
      missing,
      'set both HONEYBEE_CLIENT_ID and HONEYBEE_CLIENT_SECRET, or neither (embedded emulator)',
    );
  }
  let honeybee: SampleAppSettings['honeybee'];
  if (clientId && clientSecret) {
    honeybee = {
      mode: 'remote',
      clientId,
      clientSecret,
      tokenUrl: value('HONEYBEE_TOKEN_URL'),
      apiBaseUrl: value('HONEYBEE_API_BASE_URL'),
      allowedClientIds: list(value('HONEYBEE_ALLOWED_CLIENT_IDS')),
    };
  } else {
    const stray = REMOTE_ONLY.find((name) => value(name));
    if (stray) {
      throw new SettingsError(stray, 'needs HONEYBEE_CLIENT_ID and HONEYBEE_CLIENT_SECRET too');
    }
    honeybee = { mode: 'embedded' };
  }
  return {
    http: {
      host: value('HOST') ?? '127.0.0.1',
      port: integer('PORT', value('PORT'), 3000, 0, 65_535),
    },
    honeybee,
    apiTimeoutMs: integer(
      'HONEYBEE_API_TIMEOUT_MS',
      value('HONEYBEE_API_TIMEOUT_MS'),
      5000,
      1,
      600_000,
    ),
    webhookSecret: value('HONEYBEE_WEBHOOK_SECRET'),
    redisUrl: value('REDIS_URL'),
    metricsExporter: metricsExporter(value('OTEL_METRICS_EXPORTER')),
    recentWebhookLimit: 20,
  };
}

/** `OTEL_METRICS_EXPORTER`: `prometheus`, or `none` (the default); the app has no other. */
function metricsExporter(raw: string | undefined): SampleAppSettings['metricsExporter'] {
  if (raw === undefined || raw === 'none') return undefined;
  if (raw === 'prometheus') return 'prometheus';
  throw new SettingsError(
    'OTEL_METRICS_EXPORTER',
    `must be "prometheus" or "none" (the sample app serves no other exporter), got "${raw}"`,
  );
}

function integer(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
) {
  if (raw === undefined) return fallback;
  const parsed = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new SettingsError(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return parsed;
}

/** A comma-separated list, blanks dropped; `undefined` when nothing is left. */
function list(raw: string | undefined): string[] | undefined {
  const items = raw
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  return items && items.length > 0 ? items : undefined;
}
