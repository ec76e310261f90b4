import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { Type } from '@nestjs/common';
import type { TokenVerifier } from './inbound/token-verifier.interface.js';
import type { HoneybeeAuthModuleOptions } from './options/honeybee-auth-options.interface.js';

/**
 * `forRoot` / `forRootAsync` built by Nest's `ConfigurableModuleBuilder`. `isGlobal: true`
 * registers the module globally (opt-in).
 */
export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: HONEYBEE_AUTH_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<HoneybeeAuthModuleOptions>({ moduleName: 'HoneybeeAuth' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** What `forRootAsync` takes besides Nest's async options (`useFactory`, `imports`, …). */
export interface HoneybeeAuthAsyncExtras {
  /**
   * A custom verifier class to register as a provider of the module, as `forRoot` does with
   * `inbound.verifier`: DI builds it, with its dependencies from the module's context (its
   * `imports`, global modules) and its lifecycle hooks (`onModuleInit`, `onModuleDestroy`, …).
   * The options factory then leaves `inbound.verifier` out, or names this same class.
   *
   * @example
   * HoneybeeAuthModule.forRootAsync({
   *   imports: [ConfigModule, DbModule], inject: [ConfigService],
   *   verifierClass: DbTokenVerifier,
   *   useFactory: (c: ConfigService) => ({ clientId: c.getOrThrow('HB_ID'), clientSecret: c.getOrThrow('HB_SECRET') }),
   * })
   */
  verifierClass?: Type<TokenVerifier>;
}
