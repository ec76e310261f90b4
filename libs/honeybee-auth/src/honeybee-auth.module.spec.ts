import { Global, Inject, Injectable, Module } from '@nestjs/common';
import type { DynamicModule, OnModuleDestroy, OnModuleInit, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HoneybeeConfigError } from './errors/honeybee-config.error.js';
import { HoneybeeAuthModule } from './honeybee-auth.module.js';
import type { HoneybeePrincipal, TokenVerifier } from './inbound/token-verifier.interface.js';
import { HONEYBEE_TOKEN_VERIFIER } from './inbound/token-verifier.provider.js';
import type { HoneybeeAuthModuleOptions } from './options/honeybee-auth-options.interface.js';
import { HONEYBEE_AUTH_OPTIONS } from './options/resolved-options.js';
import type { ResolvedHoneybeeAuthOptions } from './options/resolved-options.js';
import { HoneybeeTokenService } from './outbound/token.service.js';

const SECRET = 'module-secret-never-shown';

@Injectable()
class ConfigSource {
  get(): HoneybeeAuthModuleOptions {
    return { clientId: 'from-config', clientSecret: SECRET, scopes: ['b', 'a'] };
  }
}

@Module({ providers: [ConfigSource], exports: [ConfigSource] })
class ConfigSourceModule {}

@Injectable()
class OptionsFactory {
  create(): HoneybeeAuthModuleOptions {
    return { clientId: 'from-class', clientSecret: SECRET };
  }
}

describe('HoneybeeAuthModule', () => {
  it('forRoot provides the token service and the validated options', async () => {
    const app = await Test.createTestingModule({
      imports: [HoneybeeAuthModule.forRoot({ clientId: 'sync', clientSecret: SECRET })],
    }).compile();
    expect(app.get(HoneybeeTokenService)).toBeInstanceOf(HoneybeeTokenService);
    expect(app.get<ResolvedHoneybeeAuthOptions>(HONEYBEE_AUTH_OPTIONS).clientId).toBe('sync');
    await app.close();
  });

  it('forRootAsync resolves options from an injected provider (useFactory + inject)', async () => {
    const app = await Test.createTestingModule({
      imports: [
        HoneybeeAuthModule.forRootAsync({
          imports: [ConfigSourceModule],
          inject: [ConfigSource],
          useFactory: (c: ConfigSource) => c.get(),
        }),
      ],
    }).compile();
    const o = app.get<ResolvedHoneybeeAuthOptions>(HONEYBEE_AUTH_OPTIONS);
    expect(o).toMatchObject({ clientId: 'from-config', scopes: ['a', 'b'] });
    await app.close();
  });

  it('forRootAsync accepts useClass', async () => {
    const app = await Test.createTestingModule({
      imports: [HoneybeeAuthModule.forRootAsync({ useClass: OptionsFactory })],
    }).compile();
    expect(app.get<ResolvedHoneybeeAuthOptions>(HONEYBEE_AUTH_OPTIONS).clientId).toBe('from-class');
    await app.close();
  });

  it('is not global unless isGlobal is set', () => {
    expect(HoneybeeAuthModule.forRoot({ clientId: 'a', clientSecret: SECRET }).global).toBe(false);
    expect(
      HoneybeeAuthModule.forRoot({ clientId: 'a', clientSecret: SECRET, isGlobal: true }).global,
    ).toBe(true);
  });

  it('stops start-up on a bad option with an error naming the field, never the secret', async () => {
    const err = await Test.createTestingModule({
      imports: [
        HoneybeeAuthModule.forRoot({
          clientId: 'a',
          clientSecret: SECRET,
          tokenUrl: 'http://auth.example.test/oauth/token',
        }),
      ],
    })
      .compile()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HoneybeeConfigError);
    expect((err as HoneybeeConfigError).field).toBe('tokenUrl');
    expect(String((err as Error).message)).toContain('http://');
    expect(String((err as Error).stack)).not.toContain(SECRET);
  });

  describe('a custom verifier class', () => {
    /** What the verifier's lifecycle hooks saw. */
    const events: string[] = [];

    @Injectable()
    class TokenTable {
      readonly scopes = new Map([['known-token', ['rx:read']]]);
    }
    @Module({ providers: [TokenTable], exports: [TokenTable] })
    class TokenTableModule {}

    /** Depends on a provider of an imported module, and has lifecycle hooks. */
    @Injectable()
    class TableVerifier implements TokenVerifier, OnModuleInit, OnModuleDestroy {
      constructor(@Inject(TokenTable) private readonly table: TokenTable) {}
      onModuleInit() {
        events.push('init');
      }
      onModuleDestroy() {
        events.push('destroy');
      }
      async verify(token: string): Promise<HoneybeePrincipal | null> {
        const scopes = this.table.scopes.get(token);
        return scopes ? { clientId: 'table', scopes } : null;
      }
    }

    @Injectable()
    class OtherVerifier implements TokenVerifier {
      async verify(): Promise<HoneybeePrincipal | null> {
        return null;
      }
    }

    const base = { clientId: 'a', clientSecret: SECRET };
    const compile = (module: DynamicModule) =>
      Test.createTestingModule({ imports: [module] }).compile();

    beforeEach(() => events.splice(0));

    // forRoot resolves the verifier's dependencies from global modules; forRootAsync also from
    // its `imports` (TokenTableModule is not global).
    @Global()
    @Module({ providers: [TokenTable], exports: [TokenTable] })
    class GlobalTokenTableModule {}

    it.each<[string, () => DynamicModule[]]>([
      [
        'forRoot (inbound.verifier)',
        () => [
          GlobalTokenTableModule as unknown as DynamicModule,
          HoneybeeAuthModule.forRoot({ ...base, inbound: { verifier: TableVerifier } }),
        ],
      ],
      [
        'forRootAsync (verifierClass, inbound.verifier left out)',
        () => [
          HoneybeeAuthModule.forRootAsync({
            imports: [TokenTableModule],
            verifierClass: TableVerifier,
            useFactory: () => base,
          }),
        ],
      ],
      [
        'forRootAsync (verifierClass, and inbound.verifier naming it)',
        () => [
          HoneybeeAuthModule.forRootAsync({
            imports: [TokenTableModule],
            verifierClass: TableVerifier,
            useFactory: () => ({ ...base, inbound: { verifier: TableVerifier } }),
          }),
        ],
      ],
    ])('is built by DI with %s: dependencies and lifecycle hooks', async (_path, imports) => {
      const app = await Test.createTestingModule({ imports: imports() }).compile();
      await app.init();
      const verifier = app.get<TokenVerifier>(HONEYBEE_TOKEN_VERIFIER);
      expect(verifier).toBeInstanceOf(TableVerifier);
      expect(app.get(TableVerifier)).toBe(verifier); // a provider of its own, built once
      await expect(verifier.verify('known-token')).resolves.toEqual({
        clientId: 'table',
        scopes: ['rx:read'],
      });
      expect(events).toEqual(['init']);
      await app.close();
      expect(events).toEqual(['init', 'destroy']);
    });

    it('forRootAsync refuses a verifierClass that the options contradict, naming the field', async () => {
      const err = await compile(
        HoneybeeAuthModule.forRootAsync({
          imports: [TokenTableModule],
          verifierClass: TableVerifier,
          useFactory: () => ({ ...base, inbound: { verifier: OtherVerifier } }),
        }),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HoneybeeConfigError);
      expect((err as HoneybeeConfigError).field).toBe('inbound.verifier');
      expect((err as Error).message).toMatch(/OtherVerifier.*verifierClass TableVerifier/);

      const builtIn = await compile(
        HoneybeeAuthModule.forRootAsync({
          imports: [TokenTableModule],
          verifierClass: TableVerifier,
          useFactory: () => ({ ...base, inbound: { verifier: 'jwt' as const } }),
        }),
      ).catch((e: unknown) => e);
      expect((builtIn as HoneybeeConfigError).field).toBe('inbound.verifier');
    });

    it('forRootAsync creates a class that only the options name (no provider of its own)', async () => {
      const app = await compile(
        HoneybeeAuthModule.forRootAsync({
          imports: [TokenTableModule],
          useFactory: () => ({ ...base, inbound: { verifier: TableVerifier } }),
        }),
      );
      await app.init();
      expect(app.get(HONEYBEE_TOKEN_VERIFIER)).toBeInstanceOf(TableVerifier);
      expect(() => app.get(TableVerifier)).toThrow();
      // Nest runs its hooks through the factory provider that returned it: once each.
      await app.close();
      expect(events).toEqual(['init', 'destroy']);
    });

    it('refuses, at start-up, a class without a verify method', async () => {
      @Injectable()
      class NotAVerifier {}
      const err = await compile(
        HoneybeeAuthModule.forRoot({
          ...base,
          inbound: { verifier: NotAVerifier as unknown as Type<TokenVerifier> },
        }),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TypeError);
      expect((err as Error).message).toBe(
        'inbound.verifier NotAVerifier does not implement TokenVerifier (no verify method)',
      );
    });

    it('forRootAsync refuses a verifierClass that is not a class', () => {
      expect(() =>
        HoneybeeAuthModule.forRootAsync({
          verifierClass: 'TableVerifier' as unknown as Type<TokenVerifier>,
          useFactory: () => base,
        }),
      ).toThrow(HoneybeeConfigError);
    });
  });
});
