import { ConfigurableModuleBuilder } from '@nestjs/common';
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
