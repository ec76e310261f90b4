import 'reflect-metadata';
import * as api from './index.js';

describe('public API', () => {
  it('exports exactly these names (nothing leaks by accident)', () => {
    expect(Object.keys(api).sort()).toEqual([
      'CurrentPrincipal',
      'DEFAULT_API_BASE_URL',
      'DEFAULT_TOKEN_URL',
      'HONEYBEE_CLOCK',
      'HONEYBEE_PRINCIPAL_PROPERTY',
      'HONEYBEE_TOKEN_VERIFIER',
      'HONEYBEE_WEBHOOK_SECRET_HEADER',
      'HoneybeeAuthModule',
      'HoneybeeAuthorization',
      'HoneybeeBadRequestException',
      'HoneybeeConfigError',
      'HoneybeeForbiddenException',
      'HoneybeeHttpService',
      'HoneybeeServiceUnavailableException',
      'HoneybeeTokenError',
      'HoneybeeTokenService',
      'HoneybeeUnauthorizedException',
      'HoneybeeVerifierUnavailableError',
      'HoneybeeWebhookGuard',
      'MemoryTokenStore',
      'PUBLIC_KEY',
      'Public',
      'REQUIRED_ANY_SCOPE_KEY',
      'REQUIRED_SCOPES_KEY',
      'RedisTokenStore',
      'RequireAnyScope',
      'RequireScopes',
      'ScopesGuard',
      'VerificationCache',
      'requestIdOf',
      'retryAfterOf',
      'systemClock',
    ]);
  });

  // tsx, esbuild and Vitest emit no decorator metadata: every dependency must be named with
  // @Inject() or the application gets `undefined` in its place.
  it.each([
    api.HoneybeeTokenService,
    api.HoneybeeAuthorization,
    api.HoneybeeHttpService,
    api.ScopesGuard,
    api.HoneybeeWebhookGuard,
    api.VerificationCache,
  ])('%p names every constructor dependency with @Inject()', (cls) => {
    const named = (Reflect.getMetadata('self:paramtypes', cls) ?? []) as Array<{ index: number }>;
    // (A subclass's list also holds its parent's entries; the last one per index wins.)
    expect([...new Set(named.map((p) => p.index))].sort()).toEqual(
      Array.from({ length: cls.length }, (_, i) => i),
    );
  });
});
