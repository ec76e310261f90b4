import { Logger } from '@nestjs/common';
import type { HoneybeeAuthModuleOptions } from '../options/honeybee-auth-options.interface.js';
import { resolveOptions } from '../options/resolve-options.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import { TokenFetcher } from '../outbound/token.fetcher.js';
import { HoneybeeTokenService } from '../outbound/token.service.js';
import { CapturingLogger } from './capturing-logger.js';
import { FakeClock } from './fake-clock.js';
import { RecordingTokenServer } from './recording-token-server.js';

/** What each test of a token spec gets: see {@link useTokenServiceBed}. */
export interface TokenServiceBed {
  /** The token endpoint, a real server on 127.0.0.1 (fresh per test). */
  server: RecordingTokenServer;
  /** The injected clock (fresh per test). */
  clock: FakeClock;
  /** Every line Nest's `Logger` printed during the test. */
  logs: CapturingLogger;
  /**
   * The module's options for `server` (client `partner-app`, the bed's secret, loopback
   * `http:` allowed), with `over` on top, validated.
   */
  options(over?: Partial<HoneybeeAuthModuleOptions>): ResolvedHoneybeeAuthOptions;
  /** A token service with {@link options}`(over)`; shut down after the test. */
  service(over?: Partial<HoneybeeAuthModuleOptions>): HoneybeeTokenService;
  /**
   * A token fetcher with {@link options}`(over)`, logging as the token service does; `signal`
   * stands for the module's shutdown (by default one aborted after the test).
   */
  fetcher(over?: Partial<HoneybeeAuthModuleOptions>, signal?: AbortSignal): TokenFetcher;
}

/**
 * Registers the `beforeEach`/`afterEach` every spec of the token service and its parts needs:
 * a recording token server, a fake clock, Nest's logger captured; afterwards every service
 * made is shut down, the server stopped and the logger restored. Call it inside `describe`;
 * the returned object's fields are replaced before each test.
 */
export function useTokenServiceBed(clientSecret: string): TokenServiceBed {
  const services: HoneybeeTokenService[] = [];
  const shutdown = { current: new AbortController() };
  const bed: TokenServiceBed = {
    server: undefined as unknown as RecordingTokenServer,
    clock: undefined as unknown as FakeClock,
    logs: undefined as unknown as CapturingLogger,
    options: (over = {}) =>
      resolveOptions({
        clientId: 'partner-app',
        clientSecret,
        tokenUrl: bed.server.tokenUrl,
        apiBaseUrl: `${bed.server.url}/v1`,
        allowInsecureLoopback: true,
        ...over,
      }),
    service: (over = {}) => {
      const service = new HoneybeeTokenService(bed.options(over), bed.clock);
      services.push(service);
      return service;
    },
    fetcher: (over = {}, signal = shutdown.current.signal) =>
      new TokenFetcher(bed.options(over), bed.clock, signal, new Logger('HoneybeeTokenService')),
  };

  beforeEach(async () => {
    bed.server = await RecordingTokenServer.start();
    bed.clock = new FakeClock();
    bed.logs = new CapturingLogger();
    shutdown.current = new AbortController();
    Logger.overrideLogger(bed.logs);
  });

  afterEach(async () => {
    services.splice(0).forEach((s) => s.onModuleDestroy());
    shutdown.current.abort();
    await bed.server.stop();
    Logger.overrideLogger(new Logger());
  });

  return bed;
}
