import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HoneybeeConfigError } from './errors/honeybee-config.error.js';
import { HoneybeeAuthModule } from './honeybee-auth.module.js';
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
});
