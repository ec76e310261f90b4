/**
 * `WsException` and `RpcException`, loaded from the optional peers only when a WebSocket or
 * microservice handler is refused (so the root entry never loads them).
 *
 * They must be the real classes: Nest's `BaseWsExceptionFilter` and `BaseRpcExceptionFilter`
 * test `exception instanceof WsException` / `RpcException` and answer anything else with
 * "Internal server error". A handler of that kind only runs when the application loaded the
 * package, so the import resolves to the very module Nest's filters use.
 */
type ErrorPayloadClass = new (error: string | object) => Error;

let wsException: Promise<ErrorPayloadClass> | undefined;
let rpcException: Promise<ErrorPayloadClass> | undefined;

/** `WsException` of `@nestjs/websockets`. */
export function loadWsException(): Promise<ErrorPayloadClass> {
  wsException ??= import('@nestjs/websockets').then((m) => m.WsException);
  return wsException;
}

/** `RpcException` of `@nestjs/microservices`. */
export function loadRpcException(): Promise<ErrorPayloadClass> {
  rpcException ??= import('@nestjs/microservices').then((m) => m.RpcException);
  return rpcException;
}
