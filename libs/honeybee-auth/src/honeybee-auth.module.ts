import { Module } from '@nestjs/common';
import { HONEYBEE_CLOCK, systemClock } from './common/clock.js';
import {
  ConfigurableModuleClass,
  HONEYBEE_AUTH_MODULE_OPTIONS,
} from './honeybee-auth.module-definition.js';
import type { HoneybeeAuthModuleOptions } from './options/honeybee-auth-options.interface.js';
import { resolveOptions } from './options/resolve-options.js';
import { HONEYBEE_AUTH_OPTIONS } from './options/resolved-options.js';
import { HoneybeeAuthorization } from './outbound/honeybee-authorization.service.js';
import { HoneybeeHttpService } from './outbound/honeybee-http.service.js';
import { HoneybeeTokenService } from './outbound/token.service.js';

/**
 * Honeybee Health OAuth 2.0 for Nest: outbound client-credentials tokens
 * ({@link HoneybeeTokenService}), the authorized HTTP client ({@link HoneybeeHttpService},
 * {@link HoneybeeAuthorization} for your own axios instances) and, in later sections, the
 * inbound guards.
 *
 * @example
 * HoneybeeAuthModule.forRoot({ clientId: '…', clientSecret: process.env.HONEYBEE_SECRET! })
 * HoneybeeAuthModule.forRootAsync({
 *   imports: [ConfigModule], inject: [ConfigService],
 *   useFactory: (c: ConfigService) => ({ clientId: c.getOrThrow('HB_ID'), clientSecret: c.getOrThrow('HB_SECRET') }),
 * })
 */
@Module({
  providers: [
    {
      provide: HONEYBEE_AUTH_OPTIONS,
      // Validated once, at start-up: a bad option stops the application with a named field.
      useFactory: (raw: HoneybeeAuthModuleOptions) => resolveOptions(raw),
      inject: [HONEYBEE_AUTH_MODULE_OPTIONS],
    },
    { provide: HONEYBEE_CLOCK, useValue: systemClock },
    HoneybeeTokenService,
    HoneybeeAuthorization,
    HoneybeeHttpService,
  ],
  exports: [
    HONEYBEE_AUTH_OPTIONS,
    HONEYBEE_CLOCK,
    HoneybeeTokenService,
    HoneybeeAuthorization,
    HoneybeeHttpService,
  ],
})
export class HoneybeeAuthModule extends ConfigurableModuleClass {}
