import type { ExecutionContext } from '@nestjs/common';
import type { ResolvedInboundOptions } from '../../options/resolved-options.js';
import type { HoneybeeAuthException } from '../bearer-challenge.exceptions.js';
import type { BearerTokenExtraction } from '../bearer-token.extractor.js';
import type { HoneybeeRefusal } from './context-refusal.js';

/** One guarded call in a non-HTTP context, as its adapter read it. */
export interface GuardedOperation {
  /** What the operation's credentials are: a token, none, or why they are malformed. */
  readonly extraction: BearerTokenExtraction;
  /**
   * The object that receives the principal (`honeybee`) and the verified marker: the HTTP
   * request of a GraphQL operation (shared by a batch), otherwise an object of this one call.
   */
  readonly carrier: object;
  /** An HTTP response (a Fastify reply) the challenge headers are set on, when there is one. */
  readonly response?: unknown;
}

/** Logs `message` the first time `key` is seen (a misconfiguration, not a per-call event). */
export type WarnOnce = (key: string, message: string) => void;

/**
 * What `ScopesGuard` needs to know about one kind of Nest execution context (`getType()`):
 * where the credentials come from, where the principal goes and how a refusal is delivered.
 * Adapters read context objects structurally and never import the context's package.
 */
export interface ContextAdapter<Operation extends GuardedOperation = GuardedOperation> {
  /** Reads the credentials of the call. Never throws. */
  read(context: ExecutionContext, inbound: ResolvedInboundOptions, warn: WarnOnce): Operation;
  /** After the guard accepted the call with `principal`. */
  accepted?(context: ExecutionContext, operation: Operation): void;
  /** Delivers `refusal` the way the context's exception filters expect: always throws. */
  refuse(
    context: ExecutionContext,
    refusal: HoneybeeRefusal,
    exception: HoneybeeAuthException,
    operation: Operation,
  ): Promise<never>;
}
