import type { FactoryProvider, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HONEYBEE_CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { HONEYBEE_AUTH_OPTIONS } from '../options/resolved-options.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import { IntrospectionVerifier } from './introspection.verifier.js';
import { JwtVerifier } from './jwt.verifier.js';
import { TokenInfoVerifier } from './token-info.verifier.js';
import type { TokenVerifier } from './token-verifier.interface.js';

/**
 * DI token of the {@link TokenVerifier} that `ScopesGuard` uses (through its cache), built from
 * `inbound.verifier`. Override it in tests (`overrideProvider(HONEYBEE_TOKEN_VERIFIER)`).
 */
export const HONEYBEE_TOKEN_VERIFIER = Symbol('honeybee-auth:token-verifier');

/**
 * The instance of a custom verifier class, registered by `HoneybeeAuthModule.forRoot` (which
 * knows the class up front). Internal.
 */
export const HONEYBEE_CUSTOM_VERIFIER = Symbol('honeybee-auth:custom-verifier');

/**
 * Builds the configured verifier. A custom class comes from DI: `forRoot` registers it as a
 * provider of the module; with `forRootAsync` (the class is only known once the options
 * factory ran) it is instantiated with `ModuleRef.create`, resolving its dependencies in
 * `HoneybeeAuthModule`'s context (its providers, the `imports` given to `forRootAsync`, and
 * global modules).
 */
export const tokenVerifierProvider: FactoryProvider<Promise<TokenVerifier>> = {
  provide: HONEYBEE_TOKEN_VERIFIER,
  inject: [
    HONEYBEE_AUTH_OPTIONS,
    HONEYBEE_CLOCK,
    ModuleRef,
    { token: HONEYBEE_CUSTOM_VERIFIER, optional: true },
  ],
  useFactory: async (
    options: ResolvedHoneybeeAuthOptions,
    clock: Clock,
    moduleRef: ModuleRef,
    registered: TokenVerifier | undefined,
  ): Promise<TokenVerifier> => {
    const { verifier } = options.inbound;
    switch (verifier) {
      case 'token-info':
        return new TokenInfoVerifier(options, clock);
      case 'introspection':
        return new IntrospectionVerifier(options, clock);
      case 'jwt':
        // resolveOptions guarantees `jwt` is set with this verifier.
        return new JwtVerifier(options.inbound.jwt!, clock);
      default: {
        const instance = registered ?? (await moduleRef.create(verifier as Type<TokenVerifier>));
        if (typeof instance?.verify !== 'function') {
          throw new TypeError(
            `inbound.verifier ${verifier.name} does not implement TokenVerifier (no verify method)`,
          );
        }
        return instance;
      }
    }
  },
};
