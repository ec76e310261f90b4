import { HoneybeeTokenService, systemClock } from 'nestjs-honeybee-auth';
import type { HoneybeeAuthModuleOptions } from 'nestjs-honeybee-auth';
import { resolveOptions } from '../../libs/honeybee-auth/src/options/resolve-options.js';

/**
 * The module's options in a benchmark: the bench client of a loopback token server at
 * `tokenUrl` (plain `http` allowed on loopback), the API on the same origin unless `over` says
 * otherwise.
 */
export function benchOptions(
  tokenUrl: string,
  over: Partial<HoneybeeAuthModuleOptions> = {},
): HoneybeeAuthModuleOptions {
  return {
    clientId: 'partner-app',
    clientSecret: 'bench-secret-bench-secret-bench-secret',
    tokenUrl,
    apiBaseUrl: `${new URL(tokenUrl).origin}/v1`,
    allowInsecureLoopback: true,
    ...over,
  };
}

/** A `HoneybeeTokenService` outside Nest, as its specs build it, pointed at a loopback server. */
export function makeTokenService(
  tokenUrl: string,
  over: Partial<HoneybeeAuthModuleOptions> = {},
): HoneybeeTokenService {
  return new HoneybeeTokenService(resolveOptions(benchOptions(tokenUrl, over)), systemClock);
}
