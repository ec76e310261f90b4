import { HoneybeeTokenService, systemClock } from 'nestjs-honeybee-auth';
import type { HoneybeeAuthModuleOptions } from 'nestjs-honeybee-auth';
import { resolveOptions } from '../../libs/honeybee-auth/src/options/resolve-options.js';

/** A `HoneybeeTokenService` outside Nest, as its specs build it, pointed at a loopback server. */
export function makeTokenService(
  tokenUrl: string,
  over: Partial<HoneybeeAuthModuleOptions> = {},
): HoneybeeTokenService {
  return new HoneybeeTokenService(
    resolveOptions({
      clientId: 'partner-app',
      clientSecret: 'bench-secret-bench-secret-bench-secret',
      tokenUrl,
      apiBaseUrl: `${new URL(tokenUrl).origin}/v1`,
      allowInsecureLoopback: true,
      ...over,
    }),
    systemClock,
  );
}
