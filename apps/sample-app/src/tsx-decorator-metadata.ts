import { Reflector } from '@nestjs/core';
import {
  HoneybeeAuthorization,
  HoneybeeHttpService,
  HoneybeeTokenService,
  ScopesGuard,
  VerificationCache,
} from '@app/honeybee-auth';

/**
 * `npm start` runs the TypeScript sources with tsx, whose compiler (esbuild) does not emit
 * `design:paramtypes` (`emitDecoratorMetadata`), so Nest cannot see constructor parameters
 * that have no explicit `@Inject()`. The app's own classes all use `@Inject()`; these library
 * classes do not yet, so their parameter types are declared here — only where the compiler
 * left none (under tsc and ts-jest this file changes nothing). Delete it once the library
 * injects explicitly.
 */
const PARAMTYPES = 'design:paramtypes';
const declared: [target: object, types: unknown[]][] = [
  [ScopesGuard, [Reflector, Object, Object, VerificationCache]],
  [HoneybeeHttpService, [Object, HoneybeeAuthorization]],
  [HoneybeeAuthorization, [Object, HoneybeeTokenService]],
];
for (const [target, types] of declared) {
  if (!Reflect.hasOwnMetadata(PARAMTYPES, target))
    Reflect.defineMetadata(PARAMTYPES, types, target);
}
