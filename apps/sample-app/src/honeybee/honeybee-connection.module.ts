import { Module } from '@nestjs/common';
import type { DynamicModule, Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { systemClock } from 'honeybee-emulator';
import type { Clock } from 'honeybee-emulator';
import type { SampleAppSettings } from '../config/sample-app.settings.js';
import { EMULATOR_CLOCK, EmbeddedHoneybee } from './embedded-honeybee.js';
import { SharedTokenStore } from './shared-token-store.js';

/**
 * What `HoneybeeAuthModule`'s options are built from, besides the settings: the shared token
 * store and, in embedded mode, the running emulator. Both are providers with their own
 * shutdown hooks, created before `HoneybeeAuthModule` needs them.
 */
@Module({})
export class HoneybeeConnectionModule {
  static register(mode: SampleAppSettings['honeybee']['mode']): DynamicModule {
    const embedded: Provider[] =
      mode === 'embedded'
        ? [
            { provide: EMULATOR_CLOCK, useValue: systemClock },
            {
              provide: EmbeddedHoneybee,
              useFactory: (config: ConfigService<SampleAppSettings, true>, clock: Clock) => {
                const honeybee = config.get('honeybee', { infer: true });
                return EmbeddedHoneybee.start(
                  {
                    tokenLifetimeSeconds:
                      honeybee.mode === 'embedded' ? honeybee.tokenLifetimeSeconds : undefined,
                    webhookSecret: config.get('webhookSecret', { infer: true }),
                  },
                  clock,
                );
              },
              inject: [ConfigService, EMULATOR_CLOCK],
            },
          ]
        : [];
    return {
      module: HoneybeeConnectionModule,
      providers: [
        {
          provide: SharedTokenStore,
          useFactory: (config: ConfigService<SampleAppSettings, true>) =>
            SharedTokenStore.fromUrl(config.get('redisUrl', { infer: true })),
          inject: [ConfigService],
        },
        ...embedded,
      ],
      exports: [SharedTokenStore, ...(mode === 'embedded' ? [EmbeddedHoneybee] : [])],
    };
  }
}
