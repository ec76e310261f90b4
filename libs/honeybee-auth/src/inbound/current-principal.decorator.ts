import { createParamDecorator } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { principalHolderOf } from './contexts/principal-holder.js';
import type { HoneybeePrincipal } from './token-verifier.interface.js';

/**
 * The request property where `ScopesGuard` puts the {@link HoneybeePrincipal} of a valid
 * token (`request.honeybee`, on Express and Fastify alike).
 */
export const HONEYBEE_PRINCIPAL_PROPERTY = 'honeybee';

/**
 * The {@link HoneybeePrincipal} that `ScopesGuard` attached to the request: client id,
 * scopes, expiry, subject when present. Pass a property name to get just that field.
 * `undefined` on a `@Public()` route or when `ScopesGuard` did not run. The principal is
 * frozen (it is shared by every request that carries the same token).
 *
 * Named `CurrentPrincipal` rather than `HoneybeePrincipal` so the decorator and the type it
 * returns do not share one name (`@HoneybeePrincipal() p: HoneybeePrincipal` would compile,
 * but would read as a class and confuse decorator metadata and auto-imports).
 *
 * @example
 * ```ts
 * @Get('me')
 * whoAmI(@CurrentPrincipal() principal: HoneybeePrincipal, @CurrentPrincipal('clientId') id: string) {}
 * ```
 */
export const CurrentPrincipal = createParamDecorator(
  (property: keyof HoneybeePrincipal | undefined, context: ExecutionContext) => {
    const holder =
      context.getType() === 'http'
        ? context.switchToHttp().getRequest<unknown>()
        : principalHolderOf(context, HONEYBEE_PRINCIPAL_PROPERTY);
    const principal = (holder as Record<string, unknown> | undefined)?.[
      HONEYBEE_PRINCIPAL_PROPERTY
    ] as HoneybeePrincipal | undefined;
    return property ? principal?.[property] : principal;
  },
);
