import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { TestingModule } from '@nestjs/testing';
import { context, metrics, trace } from '@opentelemetry/api';
import { HoneybeeAuthModule, HoneybeeTokenService } from 'nestjs-honeybee-auth';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * The OpenTelemetry set-up of docs/observability.md (test/fixtures/observability/examples/),
 * run as it is: registered globally before the module starts, with no `telemetry` option, it
 * gets the module's metrics scraped by Prometheus and its spans exported.
 */
const SECRET = 'example-secret-never-exported';

/** A free port on 127.0.0.1 (the exporter listens on the port its variable names). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let emu: HoneybeeEmulator;
let moduleRef: TestingModule;
let example: typeof import('./fixtures/observability/examples/opentelemetry.js');
let port: number;

beforeAll(async () => {
  port = await freePort();
  process.env.OTEL_EXPORTER_PROMETHEUS_PORT = String(port);
  process.env.OTEL_EXPORTER_PROMETHEUS_HOST = '127.0.0.1';
  example = await import('./fixtures/observability/examples/opentelemetry.js');
  emu = await HoneybeeEmulator.start({
    clients: [{ clientId: 'app', clientSecret: SECRET, scopes: ['rx:read'] }],
  });
  Logger.overrideLogger(false);
  moduleRef = await Test.createTestingModule({
    imports: [
      HoneybeeAuthModule.forRoot({
        clientId: 'app',
        clientSecret: SECRET,
        tokenUrl: emu.tokenUrl,
        scopes: ['rx:read'],
        allowInsecureLoopback: true,
      }),
    ],
  }).compile();
  await moduleRef.init();
});

afterAll(async () => {
  await moduleRef.close();
  await emu.stop();
  await example.meterProvider.shutdown();
  await example.tracerProvider.shutdown();
  metrics.disable();
  trace.disable();
  context.disable();
  delete process.env.OTEL_EXPORTER_PROMETHEUS_PORT;
  delete process.env.OTEL_EXPORTER_PROMETHEUS_HOST;
  Logger.overrideLogger(new Logger());
});

it('gets the module’s metrics to Prometheus and its spans to the exporter', async () => {
  const printed = jest.spyOn(console, 'dir').mockImplementation(() => undefined);
  try {
    const token = await moduleRef.get(HoneybeeTokenService).getAccessToken();

    const scraped = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(scraped).toMatch(
      /^honeybee_auth_token_requests_total\{[^}]*honeybee_auth_token_outcome="success"[^}]*\} 1$/m,
    );
    expect(scraped).not.toContain(token);
    expect(scraped).not.toContain(SECRET);

    await example.tracerProvider.forceFlush();
    const spans = printed.mock.calls.map(([span]) => span as { name?: string });
    expect(spans.map((s) => s.name)).toContain('honeybee_auth.token.request');
    expect(JSON.stringify(printed.mock.calls)).not.toContain(token);
  } finally {
    printed.mockRestore();
  }
});
