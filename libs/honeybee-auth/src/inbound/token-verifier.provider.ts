import type { FactoryProvider, Provider, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HONEYBEE_CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { HoneybeeConfigError } from '../errors/honeybee-config.error.js';
import type { HoneybeeAuthModuleOptions } from '../options/honeybee-auth-options.interface.js';
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

/** The custom verifier class registered as a provider of the module. Internal. */
const HONEYBEE_VERIFIER_CLASS = Symbol('honeybee-auth:verifier-class');

/**
 * The providers behind {@link HONEYBEE_TOKEN_VERIFIER}, the same way for `forRoot` and
 * `forRootAsync`:
 * - a custom class known when the module is defined (`inbound.verifier` given to `forRoot`,
 *   `verifierClass` given to `forRootAsync`) is a provider of the module, and the token an alias
 *   of it: DI builds it once, with its dependencies and its lifecycle hooks (once each);
 * - otherwise a factory builds the configured verifier: a built-in one, or a class that only
 *   `forRootAsync`'s options factory names, instantiated with `ModuleRef.create` (dependencies
 *   from `HoneybeeAuthModule`'s context; Nest runs its hooks through the factory's provider,
 *   but the class itself is no provider, so it cannot be injected elsewhere).
 */
export function tokenVerifierProviders(verifierClass?: Type<TokenVerifier>): Provider[] {
  if (verifierClass === undefined) return [tokenVerifierFactory];
  return [
    verifierClass,
    { provide: HONEYBEE_TOKEN_VERIFIER, useExisting: verifierClass },
    { provide: HONEYBEE_VERIFIER_CLASS, useValue: verifierClass },
  ];
}

/**
 * Injects the registered verifier class (if any) into the options factory:
 * {@link withRegisteredVerifier}.
 */
export const REGISTERED_VERIFIER_CLASS = { token: HONEYBEE_VERIFIER_CLASS, optional: true };

/**
 * The raw options with the verifier class registered through `forRootAsync`'s `verifierClass`:
 * it is the verifier when `inbound.verifier` is left out, and must be the very class that
 * `inbound.verifier` names otherwise.
 * @throws HoneybeeConfigError on `inbound.verifier` when they disagree.
 */
export function withRegisteredVerifier(
  raw: HoneybeeAuthModuleOptions,
  registered: Type<TokenVerifier> | undefined,
): HoneybeeAuthModuleOptions {
  if (registered === undefined || raw === null || typeof raw !== 'object') return raw;
  const named = raw.inbound?.verifier;
  if (named === undefined) return { ...raw, inbound: { ...raw.inbound, verifier: registered } };
  if (named !== registered) {
    const shown = typeof named === 'function' ? named.name : JSON.stringify(named);
    throw new HoneybeeConfigError(
      'inbound.verifier',
      `is ${shown}, but forRootAsync was given verifierClass ${registered.name}: ` +
        'name the same class, or leave inbound.verifier out',
    );
  }
  return raw;
}

/** Builds the configured verifier when no class is registered (see {@link tokenVerifierProviders}). */
const tokenVerifierFactory: FactoryProvider<Promise<TokenVerifier>> = {
  provide: HONEYBEE_TOKEN_VERIFIER,
  inject: [HONEYBEE_AUTH_OPTIONS, HONEYBEE_CLOCK, ModuleRef],
  useFactory: async (
    options: ResolvedHoneybeeAuthOptions,
    clock: Clock,
    moduleRef: ModuleRef,
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
      default:
        return moduleRef.create(verifier);
    }
  },
};
