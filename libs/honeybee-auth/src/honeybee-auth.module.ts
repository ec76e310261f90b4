import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { HONEYBEE_CLOCK, systemClock } from './common/clock.js';
import {
  ConfigurableModuleClass,
  HONEYBEE_AUTH_MODULE_OPTIONS,
} from './honeybee-auth.module-definition.js';
import type { OPTIONS_TYPE } from './honeybee-auth.module-definition.js';
import {
  HONEYBEE_CUSTOM_VERIFIER,
  HONEYBEE_TOKEN_VERIFIER,
  tokenVerifierProvider,
} from './inbound/token-verifier.provider.js';
import { VerificationCache } from './inbound/verification.cache.js';
import type { HoneybeeAuthModuleOptions } from './options/honeybee-auth-options.interface.js';
import { resolveOptions } from './options/resolve-options.js';
import { HONEYBEE_AUTH_OPTIONS } from './options/resolved-options.js';
import { HoneybeeAuthorization } from './outbound/honeybee-authorization.service.js';
import { HoneybeeHttpService } from './outbound/honeybee-http.service.js';
import { HoneybeeTokenService } from './outbound/token.service.js';

/**
 * Honeybee Health OAuth 2.0 for Nest: outbound client-credentials tokens
 * ({@link HoneybeeTokenService}), the authorized HTTP client ({@link HoneybeeHttpService},
 * {@link HoneybeeAuthorization} for your own axios instances) and the inbound guards
 * (`ScopesGuard`, `HoneybeeWebhookGuard`; register `ScopesGuard` as `APP_GUARD` in your own
 * module if you want it global: the library never does it for you).
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
    tokenVerifierProvider,
    VerificationCache,
  ],
  // The verifier and its cache are exported for ScopesGuard and HoneybeeWebhookGuard, so they
  // resolve in an importing module (@UseGuards, or APP_GUARD with useClass).
  exports: [
    HONEYBEE_AUTH_OPTIONS,
    HONEYBEE_CLOCK,
    HoneybeeTokenService,
    HoneybeeAuthorization,
    HoneybeeHttpService,
    HONEYBEE_TOKEN_VERIFIER,
    VerificationCache,
  ],
})
export class HoneybeeAuthModule extends ConfigurableModuleClass {
  /**
   * @inheritDoc
   * A custom `inbound.verifier` class is registered as a provider of the module, so it gets
   * its dependencies and lifecycle hooks from DI.
   */
  static override forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    const module = super.forRoot(options);
    const verifier = options.inbound?.verifier;
    if (typeof verifier !== 'function') return module;
    return {
      ...module,
      providers: [
        ...(module.providers ?? []),
        verifier,
        { provide: HONEYBEE_CUSTOM_VERIFIER, useExisting: verifier },
      ],
    };
  }
}
