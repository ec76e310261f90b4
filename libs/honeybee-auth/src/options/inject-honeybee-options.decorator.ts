import { Inject } from '@nestjs/common';
import { HONEYBEE_AUTH_OPTIONS } from './resolved-options.js';

/**
 * Injects the module's validated options (`ResolvedHoneybeeAuthOptions`) into a constructor
 * parameter. It names the DI token explicitly, so injection works where no decorator metadata
 * is emitted (tsx, esbuild, Vitest).
 *
 * @example constructor(@InjectHoneybeeOptions() options: ResolvedHoneybeeAuthOptions) {}
 */
export const InjectHoneybeeOptions = (): PropertyDecorator & ParameterDecorator =>
  Inject(HONEYBEE_AUTH_OPTIONS);
