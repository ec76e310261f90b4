import type { ExecutionContext } from '@nestjs/common';
import type { ResolvedInboundOptions } from '../../options/resolved-options.js';
import { extractBareBearerToken, extractBearerToken } from '../bearer-token.extractor.js';
import type { BearerTokenExtraction } from '../bearer-token.extractor.js';
import { HONEYBEE_PRINCIPAL_PROPERTY } from '../current-principal.decorator.js';
import type { ContextAdapter, GuardedOperation, WarnOnce } from './context.adapter.js';
import type { HoneybeeRefusal } from './context-refusal.js';
import { NO_CREDENTIALS, isObject, malformed, oneCredential } from './credentials.reader.js';
import { loadWsException } from './nest-exceptions.loader.js';

/** Where {@link rememberHandshake} keeps the upgrade request on a `ws` socket. */
const HANDSHAKE = Symbol('honeybee-auth:handshake');

/** WebSocket close codes (private range, as graphql-ws uses them) of the refusals that close. */
const CLOSE_CODES: Partial<Record<HoneybeeRefusal['code'], number>> = {
  UNAUTHENTICATED: 4401,
  BAD_REQUEST: 4400,
};
/** A close reason may have at most 123 bytes (RFC 6455 §5.5). */
const MAX_CLOSE_REASON = 123;

/**
 * Keeps the handshake (upgrade) request of a connection of Nest's `ws` adapter
 * (`@nestjs/platform-ws`), which does not keep it itself, so that `ScopesGuard` can read the
 * token of the connection's messages. Call it from your gateway's `handleConnection`.
 * socket.io keeps the handshake (`socket.request`): there it is not needed.
 *
 * @example
 * ```ts
 * handleConnection(client: WebSocket, request: IncomingMessage) {
 *   rememberHandshake(client, request);
 * }
 * ```
 */
export function rememberHandshake(client: object, request: object): void {
  if (isObject(client) && isObject(request)) {
    Object.defineProperty(client, HANDSHAKE, { value: request, configurable: true });
  }
}

/**
 * WebSocket gateways (`@SubscribeMessage`), socket.io and `ws` adapters. The token is the
 * connection's: its handshake's `Authorization` header, or (each only when enabled in
 * `inbound.webSockets`) socket.io's `auth.token` and the handshake URL's `?access_token=`.
 *
 * Every guarded message asks the verdict cache, so a connection's token is verified once
 * and again when its verdict expires (`inbound.cache.maxAgeSeconds`, or the token's expiry).
 * The principal goes on the connection (`client.honeybee`). A refusal is a `WsException`
 * with a {@link HoneybeeRefusal} (plus `status: 'error'`), which Nest's filter sends as the
 * `exception` event; when the connection's own credentials are invalid (`invalid_token`,
 * `invalid_request`) they will never work, so the connection is then closed too: the
 * `exception` event first, then a `ws` close code 4401 / 4400 with the reason, or a socket.io
 * disconnect.
 */
export const webSocketContext: ContextAdapter = {
  read(context: ExecutionContext, inbound: ResolvedInboundOptions, warn: WarnOnce) {
    const client = context.getArgs()[0];
    const request = handshakeOf(client);
    if (request === undefined) {
      warn(
        'ws:no-handshake',
        'A guarded WebSocket message arrived on a connection without a known handshake, so it ' +
          'has no token; with @nestjs/platform-ws call rememberHandshake(client, request) in ' +
          "the gateway's handleConnection",
      );
    }
    const { allowTokenInAuth, allowTokenInQuery } = inbound.webSockets;
    const handshake = extractBearerToken(request ?? {}, {
      allowTokenInQuery,
      allowTokenInBody: false,
      maxTokenLength: inbound.maxTokenLength,
    });
    const extraction = allowTokenInAuth
      ? oneCredential([
          ['handshake', handshake],
          ['auth.token', authToken(client, inbound.maxTokenLength)],
        ])
      : handshake;
    // A fresh carrier per message: the cache, not the connection, decides how long a verdict
    // lasts, so a verdict is never reused past its expiry.
    return { extraction, carrier: {} };
  },

  accepted(context: ExecutionContext, operation: GuardedOperation) {
    const client = context.getArgs()[0];
    const principal = (operation.carrier as Record<string, unknown>)[HONEYBEE_PRINCIPAL_PROPERTY];
    if (isObject(client)) client[HONEYBEE_PRINCIPAL_PROPERTY] = principal;
  },

  async refuse(context: ExecutionContext, refusal: HoneybeeRefusal): Promise<never> {
    const client = context.getArgs()[0];
    const payload = { status: 'error', ...refusal };
    if (isObject(client)) {
      delete client[HONEYBEE_PRINCIPAL_PROPERTY];
      if (refusal.oauthError === 'invalid_token' || refusal.oauthError === 'invalid_request') {
        close(client, payload, refusal);
      }
    }
    const WsException = await loadWsException();
    throw new WsException(payload);
  },
};

/** The handshake request: socket.io's `socket.request`, or the one {@link rememberHandshake} kept. */
function handshakeOf(client: unknown): object | undefined {
  if (!isObject(client)) return undefined;
  try {
    const kept = client[HANDSHAKE];
    if (isObject(kept)) return kept;
    // socket.io: `request` is a getter for the engine.io handshake's IncomingMessage.
    const request = client.request;
    return isObject(request) && isObject(request.headers) ? request : undefined;
  } catch {
    return undefined;
  }
}

/** socket.io's handshake `auth.token`. */
function authToken(client: unknown, maxTokenLength: number): BearerTokenExtraction {
  const handshake = isObject(client) ? client.handshake : undefined;
  const auth = isObject(handshake) ? handshake.auth : undefined;
  const token = isObject(auth) ? auth.token : undefined;
  if (token === undefined || token === null) return NO_CREDENTIALS;
  if (typeof token !== 'string') return malformed('The handshake auth.token is not a string');
  return extractBareBearerToken(token, maxTokenLength);
}

/**
 * Sends the refusal as Nest's filter would (`exception` event), then closes the connection.
 * Sent here, before closing, because Nest's filter only runs once the socket is closing and
 * its send is then dropped. Never throws.
 */
function close(
  client: Record<PropertyKey, unknown>,
  payload: object,
  refusal: HoneybeeRefusal,
): void {
  try {
    if (typeof client.readyState === 'number' && typeof client.send === 'function') {
      // A `ws` WebSocket (it has `emit` too, but that only dispatches locally).
      const socket = client as {
        send(data: string): void;
        close(code: number, reason: string): void;
      };
      socket.send(JSON.stringify({ event: 'exception', data: payload }));
      socket.close(CLOSE_CODES[refusal.code] ?? 1008, closeReason(refusal));
    } else if (typeof client.emit === 'function' && typeof client.disconnect === 'function') {
      const socket = client as {
        emit(event: string, data: unknown): void;
        disconnect(close: boolean): void;
      };
      socket.emit('exception', payload);
      socket.disconnect(true);
    }
  } catch {
    // The socket is gone already: nothing left to close.
  }
}

function closeReason(refusal: HoneybeeRefusal): string {
  const reason = `${refusal.oauthError}: ${refusal.message}`.replace(/[^\x20-\x7e]/g, '');
  return reason.slice(0, MAX_CLOSE_REASON);
}
