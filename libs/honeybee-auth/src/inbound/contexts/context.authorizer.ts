import { Logger } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import type { ResolvedInboundOptions } from '../../options/resolved-options.js';
import { HotCounter } from '../../telemetry/hot-counter.js';
import {
  GUARD_CONTEXTS,
  GUARD_DECISIONS,
  GuardOutcome,
  guardSlot,
} from '../../telemetry/telemetry.conventions.js';
import type { BearerTokenExtraction } from '../bearer-token.extractor.js';
import type { RouteAuthorization } from '../require-scopes.decorator.js';
import type { ContextAdapter, GuardedOperation } from './context.adapter.js';
import { isHoneybeeAuthException, refusalOf } from './context-refusal.js';
import { malformed } from './credentials.reader.js';
import { graphqlContext } from './graphql.context.js';
import { rpcContext } from './rpc.context.js';
import { webSocketContext } from './websocket.context.js';

/**
 * `ScopesGuard`'s decision for one call: verifies the credentials and checks the scopes,
 * puts the principal and the verified marker on `carrier`, or throws the guard's HTTP
 * exception (setting its headers on `response` when there is one). `slot` is the context's
 * first slot in `honeybee_auth.guard.decisions`.
 */
export type AuthorizationDecision = (
  route: RouteAuthorization,
  extraction: BearerTokenExtraction,
  carrier: object,
  response: unknown,
  slot: number,
) => boolean | Promise<boolean>;

/** A context's adapter, and its first slot in `honeybee_auth.guard.decisions`. */
const contextOf = (type: string, adapter: ContextAdapter) =>
  [type, { adapter, slot: guardSlot(GUARD_CONTEXTS.indexOf(type as never), 0) }] as const;

const ADAPTERS = new Map([
  contextOf('graphql', graphqlContext as ContextAdapter),
  contextOf('ws', webSocketContext),
  contextOf('rpc', rpcContext as ContextAdapter),
]);

/** The slot of a refusal in a context this guard does not know. */
const UNSUPPORTED = guardSlot(GUARD_CONTEXTS.length - 1, GuardOutcome.unsupportedContext);

/**
 * Runs `ScopesGuard`'s decision in the contexts besides HTTP (GraphQL, WebSockets,
 * microservices): the context's adapter says where the credentials come from, the guard
 * decides exactly as for HTTP, the adapter delivers a refusal the context's way. A context
 * type it does not know (a custom transport) is refused, with a warning the first time.
 */
export class ContextAuthorizer {
  private readonly logger = new Logger('ScopesGuard');
  private readonly warned = new Set<string>();
  private readonly warnOnce = (key: string, message: string): void => {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn(message);
  };

  constructor(
    private readonly decide: AuthorizationDecision,
    private readonly inbound: ResolvedInboundOptions,
    private readonly decisions = new HotCounter(GUARD_DECISIONS),
  ) {}

  /** Authorizes a call in a non-HTTP context for `route` (which is not public). */
  async authorize(context: ExecutionContext, route: RouteAuthorization): Promise<boolean> {
    const type = context.getType<string>();
    const known = ADAPTERS.get(type);
    if (!known) {
      this.decisions.add(UNSUPPORTED);
      this.warnOnce(
        `type:${type}`,
        `Refused a handler in a "${type}" context: ScopesGuard knows http, graphql, ws and rpc ` +
          '(mark the handler @Public() if it needs no token)',
      );
      return false;
    }
    const { adapter, slot } = known;
    const operation = this.read(adapter, context);
    try {
      await this.decide(route, operation.extraction, operation.carrier, operation.response, slot);
    } catch (err) {
      if (!isHoneybeeAuthException(err)) throw err;
      return adapter.refuse(context, refusalOf(err), err, operation);
    }
    adapter.accepted?.(context, operation);
    return true;
  }

  /** The adapter's reading; one that throws anyway (a hostile context object) is malformed. */
  private read(adapter: ContextAdapter, context: ExecutionContext): GuardedOperation {
    try {
      return adapter.read(context, this.inbound, this.warnOnce);
    } catch {
      return { extraction: malformed('The credentials of this call cannot be read'), carrier: {} };
    }
  }
}
