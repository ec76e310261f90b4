import { Module } from '@nestjs/common';
import type { DynamicModule, Type } from '@nestjs/common';
import { HONEYBEE_CLOCK, systemClock } from './common/clock.js';
import { HoneybeeConfigError } from './errors/honeybee-config.error.js';
import {
  ConfigurableModuleClass,
  HONEYBEE_AUTH_MODULE_OPTIONS,
} from './honeybee-auth.module-definition.js';
import type {
  ASYNC_OPTIONS_TYPE,
  HoneybeeAuthAsyncExtras,
  OPTIONS_TYPE,
} from './honeybee-auth.module-definition.js';
import { CheckedVerifier } from './inbound/checked.verifier.js';
import type { TokenVerifier } from './inbound/token-verifier.interface.js';
import {
  HONEYBEE_TOKEN_VERIFIER,
  REGISTERED_VERIFIER_CLASS,
  tokenVerifierProviders,
  withRegisteredVerifier,
} from './inbound/token-verifier.provider.js';
import { VerificationCache } from './inbound/verification.cache.js';
import type { HoneybeeAuthModuleOptions } from './options/honeybee-auth-options.interface.js';
import { resolveOptions } from './options/resolve-options.js';
import { HONEYBEE_AUTH_OPTIONS } from './options/resolved-options.js';
import { HoneybeeAuthorization } from './outbound/honeybee-authorization.service.js';
import { HoneybeeHttpService } from './outbound/honeybee-http.service.js';
import { HoneybeeTokenService } from './outbound/token.service.js';
import { HoneybeeTelemetry } from './telemetry/honeybee.telemetry.js';

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
      useFactory: (raw: HoneybeeAuthModuleOptions, verifierClass?: Type<TokenVerifier>) =>
        resolveOptions(withRegisteredVerifier(raw, verifierClass)),
      inject: [HONEYBEE_AUTH_MODULE_OPTIONS, REGISTERED_VERIFIER_CLASS],
    },
    { provide: HONEYBEE_CLOCK, useValue: systemClock },
    HoneybeeTelemetry,
    HoneybeeTokenService,
    HoneybeeAuthorization,
    HoneybeeHttpService,
    // HONEYBEE_TOKEN_VERIFIER: added by forRoot / forRootAsync (see withVerifier).
    CheckedVerifier,
    VerificationCache,
  ],
  // The verifier, its cache and the telemetry are exported for ScopesGuard,
  // HoneybeeWebhookGuard and HoneybeeHealthIndicator, so they resolve in an importing module
  // (@UseGuards, or APP_GUARD with useClass).
  exports: [
    HONEYBEE_AUTH_OPTIONS,
    HONEYBEE_CLOCK,
    HoneybeeTelemetry,
    HoneybeeTokenService,
    HoneybeeAuthorization,
    HoneybeeHttpService,
    HONEYBEE_TOKEN_VERIFIER,
    CheckedVerifier,
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
    const verifier = options.inbound?.verifier;
    return withVerifier(
      super.forRoot(options),
      typeof verifier === 'function' ? verifier : undefined,
    );
  }

  /**
   * @inheritDoc
   * The options factory runs after the module is defined, so a custom verifier class is named
   * up front as `verifierClass` to be registered as a provider, exactly as with `forRoot`.
   */
  static override forRootAsync(
    options: typeof ASYNC_OPTIONS_TYPE & HoneybeeAuthAsyncExtras,
  ): DynamicModule {
    const { verifierClass } = options;
    if (verifierClass !== undefined && typeof verifierClass !== 'function') {
      throw new HoneybeeConfigError('verifierClass', 'must be a class implementing TokenVerifier');
    }
    return withVerifier(super.forRootAsync(options), verifierClass);
  }
}

/** `module` with the providers of its token verifier (see `tokenVerifierProviders`). */
function withVerifier(
  module: DynamicModule,
  verifierClass: Type<TokenVerifier> | undefined,
): DynamicModule {
  return {
    ...module,
    providers: [...(module.providers ?? []), ...tokenVerifierProviders(verifierClass)],
  };
}
