import type { ExecutionContext } from '@nestjs/common';
import type { ResolvedInboundOptions } from '../../options/resolved-options.js';
import type { HoneybeeAuthException } from '../bearer-challenge.exceptions.js';
import type { ContextAdapter, GuardedOperation, WarnOnce } from './context.adapter.js';
import type { HoneybeeRefusal, HoneybeeRefusalCode } from './context-refusal.js';
import {
  NO_CREDENTIALS,
  authorizationEntries,
  fromAuthorizationValues,
  isObject,
} from './credentials.reader.js';
import { loadRpcException } from './nest-exceptions.loader.js';

/** gRPC status codes (`@grpc/grpc-js` `status`) of each refusal. */
const GRPC_STATUS: Record<HoneybeeRefusalCode, number> = {
  BAD_REQUEST: 3, // INVALID_ARGUMENT
  FORBIDDEN: 7, // PERMISSION_DENIED
  SERVICE_UNAVAILABLE: 14, // UNAVAILABLE
  UNAUTHENTICATED: 16, // UNAUTHENTICATED
};

/** A gRPC call's `Metadata` (`@grpc/grpc-js`), as far as it is read here. */
interface GrpcMetadata {
  get(key: string): unknown[];
  getMap(): unknown;
  set(key: string, value: string): void;
}

interface RpcOperation extends GuardedOperation {
  /** The call's metadata when the transport is gRPC. */
  readonly grpc?: GrpcMetadata;
}

/** Where one transport keeps a message's `authorization` values. */
interface MetadataSource {
  where: string;
  values: unknown[];
  grpc?: GrpcMetadata;
}

/**
 * Microservice handlers (`@MessagePattern`, `@EventPattern`, `@GrpcMethod`): the token is the
 * `authorization` entry of the message's metadata, `Bearer <token>` as in HTTP. The
 * principal goes on the message's RPC context object (`honeybee`). A refusal is an
 * `RpcException`: on gRPC with the matching status code (`UNAUTHENTICATED`,
 * `INVALID_ARGUMENT`, `PERMISSION_DENIED`, `UNAVAILABLE`), the description as details and the
 * challenge (`www-authenticate`, `retry-after`) as trailers; on the other transports with a
 * {@link HoneybeeRefusal} (plus `status: 'error'`) as the error the client receives.
 */
export const rpcContext: ContextAdapter<RpcOperation> = {
  read(context: ExecutionContext, inbound: ResolvedInboundOptions, warn: WarnOnce): RpcOperation {
    const rpc = context.getArgs()[1];
    const carrier = isObject(rpc) ? rpc : {};
    const source = metadataOf(rpc);
    if (!source) {
      const name = isObject(rpc) ? (rpc.constructor as { name?: string })?.name : typeof rpc;
      warn(
        `rpc:${name}`,
        `Cannot read message metadata from this microservice transport (context ${String(name)}): ` +
          'its guarded handlers are refused as unauthenticated',
      );
      return { extraction: NO_CREDENTIALS, carrier };
    }
    return {
      extraction: fromAuthorizationValues(source.values, source.where, inbound.maxTokenLength),
      carrier,
      grpc: source.grpc,
    };
  },

  async refuse(
    _context: ExecutionContext,
    refusal: HoneybeeRefusal,
    exception: HoneybeeAuthException,
    operation: RpcOperation,
  ): Promise<never> {
    const RpcException = await loadRpcException();
    if (operation.grpc) {
      throw new RpcException({
        code: GRPC_STATUS[refusal.code],
        message: refusal.message,
        details: refusal.message,
        metadata: trailersLike(operation.grpc, exception.headers),
      });
    }
    throw new RpcException({ status: 'error', ...refusal });
  },
};

/**
 * The `authorization` values of a message, by transport (the RPC context object tells which):
 * gRPC `Metadata`; TCP and Redis packet metadata (`ClientProxy#setOnDispatchHook`); NATS
 * headers; RabbitMQ message headers; Kafka message headers; MQTT 5 user properties.
 * `undefined` for a transport it does not know.
 */
function metadataOf(rpc: unknown): MetadataSource | undefined {
  if (!isObject(rpc)) return undefined;
  try {
    const has = (name: string) => typeof rpc[name] === 'function';
    const call = <T>(name: string): T => (rpc[name] as () => T).call(rpc);
    if (has('getMap') && has('get') && has('set')) {
      const grpc = rpc as unknown as GrpcMetadata;
      return { where: 'gRPC metadata', values: grpc.get('authorization'), grpc };
    }
    if (has('getMetadata')) {
      return { where: 'message metadata', values: authorizationEntries(call('getMetadata')) };
    }
    if (has('getHeaders')) {
      return { where: 'NATS headers', values: natsAuthorization(call('getHeaders')) };
    }
    if (has('getMessage') && has('getConsumer')) {
      const message = call<{ headers?: unknown } | undefined>('getMessage');
      return { where: 'Kafka headers', values: authorizationEntries(message?.headers) };
    }
    if (has('getMessage') && has('getChannelRef')) {
      const message = call<{ properties?: { headers?: unknown } } | undefined>('getMessage');
      return {
        where: 'RabbitMQ headers',
        values: authorizationEntries(message?.properties?.headers),
      };
    }
    if (has('getPacket')) {
      const packet = call<{ properties?: { userProperties?: unknown } } | undefined>('getPacket');
      return {
        where: 'MQTT user properties',
        values: authorizationEntries(packet?.properties?.userProperties),
      };
    }
  } catch {
    return { where: 'message metadata', values: [Symbol('unreadable')] };
  }
  return undefined;
}

/** NATS `MsgHdrs`: `keys()` and `values(key)`, header names in any case. */
function natsAuthorization(headers: unknown): unknown[] {
  if (!isObject(headers) || typeof headers.keys !== 'function') return [];
  const h = headers as { keys(): string[]; values(key: string): string[] };
  return h
    .keys()
    .filter((key) => key.toLowerCase() === 'authorization')
    .flatMap((key) => h.values(key));
}

/**
 * Trailers for a gRPC refusal, built with the request metadata's own class (no import of
 * `@grpc/grpc-js`); `undefined` when that fails.
 */
function trailersLike(
  metadata: GrpcMetadata,
  headers: Readonly<Record<string, string>>,
): GrpcMetadata | undefined {
  try {
    const trailers = new (metadata.constructor as new () => GrpcMetadata)();
    for (const [name, value] of Object.entries(headers)) trailers.set(name.toLowerCase(), value);
    return trailers;
  } catch {
    return undefined;
  }
}
