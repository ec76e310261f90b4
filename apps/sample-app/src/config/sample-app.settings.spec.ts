import { SettingsError, loadSettings } from './sample-app.settings.js';

describe('loadSettings', () => {
  it('runs on the embedded emulator, on 127.0.0.1:3000, with no variable at all', () => {
    expect(loadSettings({})).toEqual({
      http: { host: '127.0.0.1', port: 3000 },
      honeybee: { mode: 'embedded' },
      apiTimeoutMs: 5000,
      webhookSecret: undefined,
      redisUrl: undefined,
      metricsExporter: undefined,
      recentWebhookLimit: 20,
    });
  });

  it('talks to a real Honeybee when both credentials are set', () => {
    const settings = loadSettings({
      HONEYBEE_CLIENT_ID: ' partner ',
      HONEYBEE_CLIENT_SECRET: 's3cret',
      HONEYBEE_TOKEN_URL: 'https://auth.example/oauth/token',
      HONEYBEE_API_BASE_URL: '',
      HONEYBEE_WEBHOOK_SECRET: 'whsec',
      HONEYBEE_API_TIMEOUT_MS: '2500',
      REDIS_URL: 'redis://127.0.0.1:6379',
      HOST: '0.0.0.0',
      PORT: '0',
    });
    expect(settings).toEqual({
      http: { host: '0.0.0.0', port: 0 },
      honeybee: {
        mode: 'remote',
        clientId: 'partner',
        clientSecret: 's3cret',
        tokenUrl: 'https://auth.example/oauth/token',
        apiBaseUrl: undefined,
      },
      apiTimeoutMs: 2500,
      webhookSecret: 'whsec',
      redisUrl: 'redis://127.0.0.1:6379',
      metricsExporter: undefined,
      recentWebhookLimit: 20,
    });
  });

  it('reads HONEYBEE_ALLOWED_CLIENT_IDS as a comma-separated list (remote mode only)', () => {
    const settings = loadSettings({
      HONEYBEE_CLIENT_ID: 'partner',
      HONEYBEE_CLIENT_SECRET: 's3cret',
      HONEYBEE_ALLOWED_CLIENT_IDS: ' pharmacist, lab ,,',
    });
    expect(settings.honeybee).toMatchObject({ allowedClientIds: ['pharmacist', 'lab'] });
    expect(() => loadSettings({ HONEYBEE_ALLOWED_CLIENT_IDS: 'x' })).toThrow(
      expect.objectContaining({ variable: 'HONEYBEE_ALLOWED_CLIENT_IDS' }),
    );
  });

  it.each([
    [{ HONEYBEE_CLIENT_ID: 'partner' }, 'HONEYBEE_CLIENT_SECRET'],
    [{ HONEYBEE_CLIENT_SECRET: 's3cret' }, 'HONEYBEE_CLIENT_ID'],
    [{ HONEYBEE_TOKEN_URL: 'https://auth.example/oauth/token' }, 'HONEYBEE_TOKEN_URL'],
    [{ HONEYBEE_API_BASE_URL: 'https://api.example/v1' }, 'HONEYBEE_API_BASE_URL'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '65536' }, 'PORT'],
    [{ HONEYBEE_API_TIMEOUT_MS: '0' }, 'HONEYBEE_API_TIMEOUT_MS'],
    [{ OTEL_METRICS_EXPORTER: 'otlp' }, 'OTEL_METRICS_EXPORTER'],
  ])('refuses %j, naming %s', (env, variable) => {
    expect(() => loadSettings(env)).toThrow(SettingsError);
    expect(() => loadSettings(env)).toThrow(expect.objectContaining({ variable }));
  });

  it('serves metrics in Prometheus format when OTEL_METRICS_EXPORTER says so', () => {
    expect(loadSettings({ OTEL_METRICS_EXPORTER: 'prometheus' }).metricsExporter).toBe(
      'prometheus',
    );
    expect(loadSettings({ OTEL_METRICS_EXPORTER: 'none' }).metricsExporter).toBeUndefined();
  });

  it('never puts the secret in its message', () => {
    expect(() => loadSettings({ HONEYBEE_CLIENT_SECRET: 'do-not-print-me' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('do-not-print-me') }),
    );
  });
});
