import { IntrinsicException } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import type { ResolvedInboundOptions } from '../../options/resolved-options.js';
import type { HoneybeeAuthException } from '../bearer-challenge.exceptions.js';
import { extractBearerToken } from '../bearer-token.extractor.js';
import type { ContextAdapter, GuardedOperation, WarnOnce } from './context.adapter.js';
import type { HoneybeeRefusal } from './context-refusal.js';
import {
  NO_CREDENTIALS,
  authorizationEntries,
  fromAuthorizationValues,
  isObject,
  oneCredential,
} from './credentials.reader.js';

interface GraphQLOperation extends GuardedOperation {
  /** How the operation arrived: `apollo` / `mercurius` over HTTP, or over a WebSocket. */
  readonly transport: 'apollo' | 'mercurius' | 'websocket';
}

/**
 * A refused GraphQL field: GraphQL turns it into an entry of `errors` whose `extensions` are
 * this error's (graphql-js copies an original error's `extensions`), so no import of
 * `graphql` is needed. An `IntrinsicException`, so Nest does not log it as an error, and not an
 * `HttpException`, so `@nestjs/apollo` does not rewrite its code.
 */
export class HoneybeeGraphQLRefusalError extends IntrinsicException {
  override readonly name = 'HoneybeeGraphQLRefusalError';

  constructor(
    message: string,
    /** `code`, `statusCode` and the rest of the {@link HoneybeeRefusal}; Apollo's `http` too. */
    readonly extensions: Record<string, unknown>,
    /** Mercurius answers with this status when no field could be resolved. */
    readonly statusCode: number,
  ) {
    super(message);
    // An answer, not a failure: no call stack for Apollo's `stacktrace` extension to show.
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * GraphQL resolvers (`@nestjs/graphql` with Apollo or Mercurius). Over HTTP the token is the
 * HTTP request's, read as on REST routes, and the principal and verified marker go on that
 * request, so a batch or an operation touching several guarded fields verifies once. Over
 * `graphql-ws` (subscriptions) the token is the `authorization` entry of `connectionParams`
 * (or of `connectionParams.headers`), or the upgrade request's `Authorization` header; the
 * principal goes on the operation's GraphQL context.
 *
 * A refusal is a GraphQL error with `extensions` = the {@link HoneybeeRefusal} without its
 * message. On HTTP the challenge headers are set on the response: by Apollo through
 * `extensions.http` (which also sets the status unless Nest's
 * `preserveHttpStatusForExecutionErrors` keeps 200), by Mercurius on the reply (with the
 * status when the whole result is `null`).
 */
export const graphqlContext: ContextAdapter<GraphQLOperation> = {
  read(
    context: ExecutionContext,
    inbound: ResolvedInboundOptions,
    warn: WarnOnce,
  ): GraphQLOperation {
    const ctx = context.getArgs()[2];
    if (!isObject(ctx)) {
      warn('graphql:no-context', 'A guarded GraphQL resolver ran without a context object');
      return { extraction: NO_CREDENTIALS, carrier: {}, transport: 'apollo' };
    }
    // Apollo + graphql-ws: Nest's context wrapper puts graphql-ws's Context in `req`.
    const graphqlWs = graphqlWsContextOf(ctx.req) ?? graphqlWsContextOf(ctx);
    if (graphqlWs) {
      const extra = isObject(graphqlWs.extra) ? graphqlWs.extra : {};
      return socketOperation(graphqlWs.connectionParams, extra.request, ctx, inbound);
    }
    // Mercurius subscriptions: the connection_init payload and the upgrade request.
    if ('_connectionInit' in ctx) {
      return socketOperation(ctx._connectionInit, ctx.request, ctx, inbound);
    }
    const request = isObject(ctx.req) ? ctx.req : ctx.request;
    if (!isObject(request)) {
      warn(
        'graphql:no-request',
        'A guarded GraphQL resolver ran with a context that has no `req` (the HTTP request), ' +
          "so it has no token; keep Nest's `req` in your GraphQL context",
      );
      return { extraction: NO_CREDENTIALS, carrier: ctx, transport: 'apollo' };
    }
    const mercurius = isMercuriusContext(ctx);
    return {
      extraction: extractBearerToken(request, inbound),
      carrier: request,
      response: mercurius ? ctx.reply : undefined,
      transport: mercurius ? 'mercurius' : 'apollo',
    };
  },

  async refuse(
    _context: ExecutionContext,
    refusal: HoneybeeRefusal,
    exception: HoneybeeAuthException,
    operation: GraphQLOperation,
  ): Promise<never> {
    const { message, ...extensions } = refusal;
    if (operation.transport === 'apollo') {
      // Apollo Server applies and then removes `extensions.http` (status and headers).
      const headers = new Map(
        Object.entries(exception.headers).map(([name, value]) => [name.toLowerCase(), value]),
      );
      Object.assign(extensions, { http: { status: refusal.statusCode, headers } });
    }
    throw new HoneybeeGraphQLRefusalError(message, extensions, refusal.statusCode);
  },
};

/** graphql-ws's per-connection `Context`, recognised by its own fields. */
function graphqlWsContextOf(
  value: unknown,
): { connectionParams?: unknown; extra?: unknown } | undefined {
  return isObject(value) && 'connectionInitReceived' in value && 'subscriptions' in value
    ? value
    : undefined;
}

/** Mercurius puts the Fastify reply and app in the context; the app has `graphql()`. */
function isMercuriusContext(ctx: Record<PropertyKey, unknown>): boolean {
  return isObject(ctx.reply) && isObject(ctx.app) && typeof ctx.app.graphql === 'function';
}

/** An operation over a WebSocket: the token from `connectionParams` or the upgrade request. */
function socketOperation(
  connectionParams: unknown,
  upgradeRequest: unknown,
  ctx: object,
  inbound: ResolvedInboundOptions,
): GraphQLOperation {
  const params = isObject(connectionParams) ? connectionParams : {};
  const values = [...authorizationEntries(params), ...authorizationEntries(params.headers)];
  const extraction = oneCredential([
    [
      'connectionParams',
      fromAuthorizationValues(values, 'connectionParams', inbound.maxTokenLength),
    ],
    [
      'handshake header',
      extractBearerToken(isObject(upgradeRequest) ? upgradeRequest : {}, {
        allowTokenInQuery: false,
        allowTokenInBody: false,
        maxTokenLength: inbound.maxTokenLength,
      }),
    ],
  ]);
  return { extraction, carrier: ctx, transport: 'websocket' };
}
