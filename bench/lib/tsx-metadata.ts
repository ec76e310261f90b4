import 'reflect-metadata';
import { Reflector } from '@nestjs/core';
import { ScopesGuard, VerificationCache } from '@app/honeybee-auth';

/**
 * tsx (esbuild) does not emit `design:paramtypes`, and `ScopesGuard` injects `Reflector` and
 * `VerificationCache` by type alone (no `@Inject`), so under tsx Nest cannot construct it
 * ("can't resolve dependencies of the ScopesGuard (?, …)"). This adds what tsc would have
 * emitted. It only matters for DI at start-up, not for the measured request path. Import it
 * before creating a Nest app that uses the guard.
 */
export function addScopesGuardParamTypes(): void {
  if (Reflect.getMetadata('design:paramtypes', ScopesGuard)) return;
  Reflect.defineMetadata(
    'design:paramtypes',
    [Reflector, Object, Object, VerificationCache],
    ScopesGuard,
  );
}
