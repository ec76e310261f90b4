import 'reflect-metadata';
import { CheckedVerifier } from './inbound/checked.verifier.js';
import * as api from './index.js';

describe('public API', () => {
  // tsx, esbuild and Vitest emit no decorator metadata: every dependency must be named with
  // @Inject() or the application gets `undefined` in its place.
  it.each([
    api.HoneybeeTokenService,
    api.HoneybeeAuthorization,
    api.HoneybeeHttpService,
    api.ScopesGuard,
    api.HoneybeeWebhookGuard,
    api.VerificationCache,
    // Internal injectables too.
    CheckedVerifier,
  ])('%p names every constructor dependency with @Inject()', (cls) => {
    const named = (Reflect.getMetadata('self:paramtypes', cls) ?? []) as Array<{ index: number }>;
    // (A subclass's list also holds its parent's entries; the last one per index wins.)
    expect([...new Set(named.map((p) => p.index))].sort()).toEqual(
      Array.from({ length: cls.length }, (_, i) => i),
    );
  });
});
