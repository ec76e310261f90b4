import { SetMetadata } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { isScopeToken, normalizeScopes } from '../common/scopes.js';

/** Metadata key of {@link RequireScopes}: a `string[]`, every scope required. */
export const REQUIRED_SCOPES_KEY = 'honeybee-auth:scopes';
/** Metadata key of {@link RequireAnyScope}: a `string[][]`, one group per decorator. */
export const REQUIRED_ANY_SCOPE_KEY = 'honeybee-auth:any-scope';
/** Metadata key of {@link Public}: `true` on a public handler or controller. */
export const IS_PUBLIC_KEY = 'honeybee-auth:public';
/**
 * Former name of {@link IS_PUBLIC_KEY} (same value).
 * @deprecated Use {@link IS_PUBLIC_KEY}; `PUBLIC_KEY` read like a cryptographic key.
 */
export const PUBLIC_KEY = IS_PUBLIC_KEY;

/**
 * Requires a token that carries **every** scope named (all-of).
 *
 * Requirements add up, they never replace each other: a handler needs every scope named on
 * itself **and** on its controller, and several `@RequireScopes()` on one target all apply.
 * `@RequireScopes()` with no scope just requires a valid token (useful inside a `@Public()`
 * controller). Scopes are checked when the decorator is applied: an invalid scope string
 * (empty, with spaces, quotes or backslashes) throws at start-up, not at request time.
 *
 * Honeybee's own API (Doorkeeper) passes when the token has *any* listed scope; this
 * decorator is deliberately stricter. Use {@link RequireAnyScope} for any-of.
 *
 * @example
 * ```ts
 * @RequireScopes('orders:read')
 * @Controller('orders')
 * class OrdersController {
 *   @RequireScopes('orders:write') // needs orders:read AND orders:write
 *   @Post() create() {}
 * }
 * ```
 */
export function RequireScopes(...scopes: string[]): ClassDecorator & MethodDecorator {
  return appendMetadata(REQUIRED_SCOPES_KEY, checkScopes('RequireScopes', scopes, true));
}

/**
 * Requires a token that carries **at least one** of the scopes named (any-of).
 *
 * Each `@RequireAnyScope()` is one group, and every group on the handler and on its
 * controller must be satisfied, together with every {@link RequireScopes} scope. So
 * `@RequireAnyScope('a', 'b')` on the controller plus `@RequireAnyScope('c', 'd')` on the
 * handler means `(a or b) and (c or d)`. Scope strings are validated when the decorator is
 * applied; an empty list throws, since it could never be satisfied.
 *
 * @example
 * ```ts
 * @RequireAnyScope('rx:read', 'rx:admin')
 * @Get(':id') find() {}
 * ```
 */
export function RequireAnyScope(...scopes: string[]): ClassDecorator & MethodDecorator {
  return appendMetadata(REQUIRED_ANY_SCOPE_KEY, [checkScopes('RequireAnyScope', scopes, false)]);
}

/**
 * Skips authentication: `ScopesGuard` lets the request through without looking for a token
 * (and no principal is attached). On a controller it opens every handler that names no scope
 * itself. A target that carries both `@Public()` and a scope requirement is **not** public:
 * the contradiction fails closed. See {@link readRouteAuthorization}.
 *
 * On a controller class it is **not inherited**: a controller that extends a `@Public()` one
 * requires a token unless it is marked `@Public()` itself (scopes, by contrast, are inherited).
 * On a handler it belongs to that method: a subclass that inherits the method unchanged
 * serves it public; one that overrides it decides afresh.
 */
export function Public(): ClassDecorator & MethodDecorator {
  return SetMetadata(IS_PUBLIC_KEY, true);
}

/** What a route demands, read from its handler and its controller. */
export interface RouteAuthorization {
  /** No authentication at all. */
  public: boolean;
  /** Every one of these scopes is required (sorted, de-duplicated). */
  allOf: string[];
  /** For each group, at least one of its scopes is required. */
  anyOf: string[][];
}

/**
 * Reads the authorization metadata of the route `context` is about to run.
 *
 * Scopes are merged with `Reflector.getAllAndMerge` on purpose: a controller's requirement is
 * a floor that its handlers cannot lower, and a subclass inherits its base's. `@Public()` is
 * read per level instead, so the most specific level decides:
 * - a handler marked `@Public()` that names no scope itself is public, whatever its controller
 *   requires;
 * - a handler of a `@Public()` controller is public unless the handler or the controller names
 *   a scope (`@RequireScopes()`, even empty, or `@RequireAnyScope()`).
 *
 * A controller's `@Public()` is read from the class itself, never through its prototype chain
 * (`Reflect.getOwnMetadata`): a subclass of a public base controller is not public, so new
 * handlers added to it are never opened by accident (fail closed).
 */
export function readRouteAuthorization(
  reflector: Reflector,
  context: ExecutionContext,
): RouteAuthorization {
  const handler = context.getHandler();
  const controller = context.getClass();
  const targets = [handler, controller];
  const allOf = normalizeScopes(reflector.getAllAndMerge<string[]>(REQUIRED_SCOPES_KEY, targets));
  const anyOf = reflector.getAllAndMerge<string[][]>(REQUIRED_ANY_SCOPE_KEY, targets);
  const namesScopes = (target: object) =>
    reflector.get(REQUIRED_SCOPES_KEY, target as never) !== undefined ||
    reflector.get(REQUIRED_ANY_SCOPE_KEY, target as never) !== undefined;
  // Own metadata only: a class-level @Public() must not reach subclasses through the prototype
  // chain (Reflect.getMetadata would walk it). A handler is a function; it has no such chain.
  const isPublic = (target: object) => Reflect.getOwnMetadata(IS_PUBLIC_KEY, target) === true;

  const handlerNamesScopes = namesScopes(handler);
  const open =
    (isPublic(handler) && !handlerNamesScopes) ||
    (isPublic(controller) && !handlerNamesScopes && !namesScopes(controller));
  return { public: open, allOf, anyOf };
}

/**
 * The scopes of `requirement` that `granted` does not satisfy, or `undefined` when it does.
 * `allOf` lists missing all-of scopes, `anyOf` the groups with no granted scope.
 */
export function unmetScopes(
  requirement: Pick<RouteAuthorization, 'allOf' | 'anyOf'>,
  granted: readonly string[],
): { allOf: string[]; anyOf: string[][] } | undefined {
  // Fast path without allocations (not even a closure): the usual case is a satisfied
  // requirement of a few scopes.
  if (grantsAll(granted, requirement.allOf) && grantsEachGroup(granted, requirement.anyOf)) {
    return undefined;
  }
  const have = new Set(granted);
  const allOf = requirement.allOf.filter((s) => !have.has(s));
  const anyOf = requirement.anyOf.filter((group) => !group.some((s) => have.has(s)));
  return allOf.length === 0 && anyOf.length === 0 ? undefined : { allOf, anyOf };
}

function grantsAll(granted: readonly string[], scopes: readonly string[]): boolean {
  for (const scope of scopes) if (!granted.includes(scope)) return false;
  return true;
}

function grantsEachGroup(granted: readonly string[], groups: readonly string[][]): boolean {
  for (const group of groups) {
    let any = false;
    for (const scope of group) if (granted.includes(scope)) any = true;
    if (!any) return false;
  }
  return true;
}

/**
 * The scopes to put in the `scope` attribute of an `insufficient_scope` challenge (and in the
 * `requiredScopes` of a refusal outside HTTP): a set that would satisfy the route. RFC 6750
 * cannot express "one of", so every scope of each any-of group is listed (the description
 * says which are alternatives).
 */
export function sufficientScopes(route: Pick<RouteAuthorization, 'allOf' | 'anyOf'>): string[] {
  return [...new Set([...route.allOf, ...route.anyOf.flat()])].sort();
}

function checkScopes(decorator: string, scopes: unknown[], allowEmpty: boolean): string[] {
  if (!allowEmpty && scopes.length === 0) {
    throw new TypeError(`@${decorator}() needs at least one scope`);
  }
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !isScopeToken(scope)) {
      const shown = JSON.stringify(scope) ?? String(scope);
      throw new TypeError(
        `@${decorator}(): ${shown.slice(0, 80)} is not a valid OAuth scope ` +
          '(printable ASCII, no spaces, quotes or backslashes)',
      );
    }
  }
  return normalizeScopes(scopes as string[]);
}

/**
 * Like `SetMetadata`, but appends to what the same target already carries, so stacking
 * `@RequireScopes('a') @RequireScopes('b')` requires both instead of the last one winning.
 * `getMetadata` (not `getOwnMetadata`) also keeps a base controller's scopes on a subclass.
 */
function appendMetadata(key: string, values: unknown[]): ClassDecorator & MethodDecorator {
  const decorator = (
    target: object,
    _property?: string | symbol,
    descriptor?: PropertyDescriptor,
  ) => {
    const host: object = descriptor ? (descriptor.value as object) : target;
    const existing = (Reflect.getMetadata(key, host) as unknown[] | undefined) ?? [];
    Reflect.defineMetadata(key, [...existing, ...values], host);
  };
  return decorator as ClassDecorator & MethodDecorator;
}
