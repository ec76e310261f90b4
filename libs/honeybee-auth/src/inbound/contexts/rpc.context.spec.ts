import { jest } from '@jest/globals';
import { Metadata } from '@grpc/grpc-js';
import { ExecutionContextHost } from '@nestjs/core/internal';
import {
  KafkaContext,
  MqttContext,
  NatsContext,
  RedisContext,
  RmqContext,
  RpcException,
  TcpContext,
} from '@nestjs/microservices';
import type { ResolvedInboundOptions } from '../../options/resolved-options.js';
import {
  HoneybeeForbiddenException,
  HoneybeeUnauthorizedException,
} from '../bearer-challenge.exceptions.js';
import { refusalOf } from './context-refusal.js';
import { rpcContext } from './rpc.context.js';

/**
 * Where each transport keeps a message's `authorization`, read from Nest's own context classes
 * built as each server builds them. TCP and gRPC also run end to end
 * (test/contexts-microservices.e2e-spec.ts); the broker transports are covered here only.
 */
const inbound = { maxTokenLength: 100 } as ResolvedInboundOptions;
const rpc = (ctx: unknown) => {
  const host = new ExecutionContextHost([{ payload: true }, ctx]);
  host.setType('rpc');
  return host;
};
const read = (ctx: unknown, warn = jest.fn()) => rpcContext.read(rpc(ctx), inbound, warn);
const bearer = { kind: 'token', token: 'abc', method: 'header' };

/** A NATS `MsgHdrs`, as far as it is read: header names in any case. */
function natsHeaders(entries: [string, string][]) {
  return {
    keys: () => [...new Set(entries.map(([k]) => k))],
    values: (key: string) => entries.filter(([k]) => k === key).map(([, v]) => v),
  };
}

describe('rpcContext.read: the token of each transport', () => {
  it.each<[string, () => unknown]>([
    [
      'TCP packet metadata',
      () => new TcpContext([{} as never, 'rx', { authorization: 'Bearer abc' }]),
    ],
    ['Redis packet metadata', () => new RedisContext(['rx', { Authorization: 'Bearer abc' }])],
    ['NATS headers', () => new NatsContext(['rx', natsHeaders([['Authorization', 'Bearer abc']])])],
    [
      'RabbitMQ message headers',
      () =>
        new RmqContext([{ properties: { headers: { authorization: 'Bearer abc' } } }, {}, 'rx']),
    ],
    [
      'Kafka message headers (a Buffer)',
      () =>
        new KafkaContext([
          { headers: { authorization: Buffer.from('Bearer abc') } } as never,
          0,
          'rx',
          {} as never,
          async () => undefined,
          {} as never,
        ]),
    ],
    [
      'MQTT 5 user properties',
      () =>
        new MqttContext([
          'rx',
          { properties: { userProperties: { authorization: 'Bearer abc' } } },
        ]),
    ],
    [
      'gRPC metadata',
      () => {
        const metadata = new Metadata();
        metadata.set('authorization', 'Bearer abc');
        return metadata;
      },
    ],
  ])('%s', (_where, make) => {
    const ctx = make();
    const operation = read(ctx);
    expect(operation.extraction).toEqual(bearer);
    // The principal goes on the message's own context object.
    expect(operation.carrier).toBe(ctx);
  });

  it('no metadata at all: no credentials', () => {
    expect(read(new TcpContext([{} as never, 'rx'])).extraction).toEqual({ kind: 'none' });
    expect(read(new RmqContext([{ properties: {} }, {}, 'rx'])).extraction).toEqual({
      kind: 'none',
    });
  });

  it('two gRPC authorization values are BAD_REQUEST', () => {
    const metadata = new Metadata();
    metadata.add('authorization', 'Bearer abc');
    metadata.add('authorization', 'Bearer def');
    expect(read(metadata).extraction).toEqual({
      kind: 'invalid_request',
      description: 'The gRPC metadata carry several authorization entries',
    });
  });

  it('a transport it does not know: no credentials, and a warning naming it', () => {
    class CustomContext {}
    const warn = jest.fn();
    expect(read(new CustomContext(), warn).extraction).toEqual({ kind: 'none' });
    expect(warn).toHaveBeenCalledWith(
      'rpc:CustomContext',
      expect.stringContaining(
        'Cannot read message metadata from this microservice transport (context CustomContext)',
      ),
    );
  });

  it('a context whose accessor throws: BAD_REQUEST, never a throw', () => {
    const hostile = {
      getMetadata() {
        throw new Error('broken');
      },
    };
    expect(read(hostile).extraction).toMatchObject({ kind: 'invalid_request' });
  });
});

describe('rpcContext.refuse', () => {
  const route = { public: false, allOf: ['admin'], anyOf: [] };

  it('TCP and the others: an RpcException whose error is the refusal', async () => {
    const exception = new HoneybeeUnauthorizedException('Missing Bearer token', { realm: 'r' });
    const context = rpc(new TcpContext([{} as never, 'rx']));
    const error = await rpcContext
      .refuse(context, refusalOf(exception), exception, read(context.getArgs()[1]))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcException);
    expect((error as RpcException).getError()).toEqual({
      status: 'error',
      code: 'UNAUTHENTICATED',
      statusCode: 401,
      message: 'Missing Bearer token',
    });
  });

  it('gRPC: the status code, the description as details, the challenge as trailers', async () => {
    const exception = new HoneybeeForbiddenException(route, 'r');
    const challenge = exception.headers['WWW-Authenticate'];
    const description = exception.message;
    const metadata = new Metadata();
    const context = rpc(metadata);
    const error = await rpcContext
      .refuse(context, refusalOf(exception), exception, read(metadata))
      .catch((e: unknown) => e);
    const payload = (error as RpcException).getError() as Record<string, unknown>;
    expect(challenge).toMatch(/^Bearer realm="r", error="insufficient_scope", .*scope="admin"$/);
    expect(payload).toMatchObject({ code: 7, message: description, details: description });
    expect(payload.metadata).toBeInstanceOf(Metadata);
    expect((payload.metadata as Metadata).getMap()).toEqual({ 'www-authenticate': challenge });
  });
});
