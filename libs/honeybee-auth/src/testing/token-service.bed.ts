import { Logger } from '@nestjs/common';
import type { HoneybeeAuthModuleOptions } from '../options/honeybee-auth-options.interface.js';
import { resolveOptions } from '../options/resolve-options.js';
import { HoneybeeTokenService } from '../outbound/token.service.js';
import { CapturingLogger } from './capturing-logger.js';
import { FakeClock } from './fake-clock.js';
import { RecordingTokenServer } from './recording-token-server.js';

/** What each test of a token-service spec gets: see {@link useTokenServiceBed}. */
export interface TokenServiceBed {
  /** The token endpoint, a real server on 127.0.0.1 (fresh per test). */
  server: RecordingTokenServer;
  /** The injected clock (fresh per test). */
  clock: FakeClock;
  /** Every line Nest's `Logger` printed during the test. */
  logs: CapturingLogger;
  /**
   * A token service for `server` (client `partner-app`, the bed's secret, loopback `http:`
   * allowed), with `over` on top; shut down after the test.
   */
  service(over?: Partial<HoneybeeAuthModuleOptions>): HoneybeeTokenService;
}

/**
 * Registers the `beforeEach`/`afterEach` every `HoneybeeTokenService` spec needs: a recording
 * token server, a fake clock, Nest's logger captured; afterwards every service made is shut
 * down, the server stopped and the logger restored. Call it inside `describe`; the returned
 * object's fields are replaced before each test.
 */
export function useTokenServiceBed(clientSecret: string): TokenServiceBed {
  const services: HoneybeeTokenService[] = [];
  const bed: TokenServiceBed = {
    server: undefined as unknown as RecordingTokenServer,
    clock: undefined as unknown as FakeClock,
    logs: undefined as unknown as CapturingLogger,
    service: (over = {}) => {
      const service = new HoneybeeTokenService(
        resolveOptions({
          clientId: 'partner-app',
          clientSecret,
          tokenUrl: bed.server.tokenUrl,
          apiBaseUrl: `${bed.server.url}/v1`,
          allowInsecureLoopback: true,
          ...over,
        }),
        bed.clock,
      );
      services.push(service);
      return service;
    },
  };

  beforeEach(async () => {
    bed.server = await RecordingTokenServer.start();
    bed.clock = new FakeClock();
    bed.logs = new CapturingLogger();
    Logger.overrideLogger(bed.logs);
  });

  afterEach(async () => {
    services.splice(0).forEach((s) => s.onModuleDestroy());
    await bed.server.stop();
    Logger.overrideLogger(new Logger());
  });

  return bed;
}
