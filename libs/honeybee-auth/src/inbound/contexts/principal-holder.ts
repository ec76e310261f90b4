import type { ExecutionContext } from '@nestjs/common';
import { isObject } from './credentials.reader.js';

/**
 * The object `ScopesGuard` put the principal on (as `property`) for a non-HTTP call: the
 * connection of a WebSocket message, the RPC context of a microservice message, and for
 * GraphQL the operation's context (over a WebSocket) or its HTTP request.
 */
export function principalHolderOf(context: ExecutionContext, property: string): unknown {
  const args = context.getArgs();
  switch (context.getType<string>()) {
    case 'ws':
      return args[0];
    case 'rpc':
      return args[1];
    case 'graphql': {
      const ctx = args[2];
      if (!isObject(ctx)) return undefined;
      if (property in ctx) return ctx;
      return isObject(ctx.req) ? ctx.req : ctx.request;
    }
    default:
      return undefined;
  }
}
