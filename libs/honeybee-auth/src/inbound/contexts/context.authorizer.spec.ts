import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/internal';
import type { ResolvedInboundOptions } from '../../options/resolved-options.js';
import { HoneybeeUnauthorizedException } from '../bearer-challenge.exceptions.js';
import { ContextAuthorizer } from './context.authorizer.js';
import type { AuthorizationDecision } from './context.authorizer.js';
import { principalHolderOf } from './principal-holder.js';

const inbound = {
  maxTokenLength: 100,
  webSockets: { allowTokenInAuth: false, allowTokenInQuery: false },
} as ResolvedInboundOptions;
const route = { public: false, allOf: ['rx:read'], anyOf: [] };
const principal = Object.freeze({ clientId: 'partner', scopes: ['rx:read'] });

function contextOf(type: string, args: unknown[]) {
  const host = new ExecutionContextHost(args);
  host.setType(type);
  return host;
}

/** A decision that accepts and attaches the principal as the guard does. */
const accept: AuthorizationDecision = async (_route, _extraction, carrier) => {
  (carrier as Record<string, unknown>).honeybee = principal;
  return true;
};

describe('ContextAuthorizer', () => {
  let warn: jest.SpiedFunction<Logger['warn']>;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('refuses a context type it does not know, warning once per type', async () => {
    const authorizer = new ContextAuthorizer(accept, inbound);
    const custom = contextOf('kafka-streams', [{}]);
    expect(await authorizer.authorize(custom, route)).toBe(false);
    expect(await authorizer.authorize(custom, route)).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toBe(
      'Refused a handler in a "kafka-streams" context: ScopesGuard knows http, graphql, ws and ' +
        'rpc (mark the handler @Public() if it needs no token)',
    );
  });

  it('lets an error that is not a refusal through (it is a bug, not an answer)', async () => {
    const broken: AuthorizationDecision = async () => {
      throw new TypeError('bug');
    };
    const authorizer = new ContextAuthorizer(broken, inbound);
    const rpc = contextOf('rpc', [{}, { getMetadata: () => ({ authorization: 'Bearer abc' }) }]);
    await expect(authorizer.authorize(rpc, route)).rejects.toThrow(TypeError);
  });

  it('a context object that throws when read is a malformed call, never a crash', async () => {
    const seen: unknown[] = [];
    const record: AuthorizationDecision = async (_route, extraction) => {
      seen.push(extraction);
      return true;
    };
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('no');
        },
        has: () => {
          throw new Error('no');
        },
      },
    );
    const graphql = contextOf('graphql', [{}, {}, hostile, {}]);
    await new ContextAuthorizer(record, inbound).authorize(graphql, route);
    expect(seen).toEqual([
      { kind: 'invalid_request', description: 'The credentials of this call cannot be read' },
    ]);
  });

  it('a WebSocket connection gets the principal; a refusal takes it away', async () => {
    const client: Record<string, unknown> = {
      request: { headers: { authorization: 'Bearer abc' } },
    };
    const ws = contextOf('ws', [client, {}, 'rx.list']);
    expect(await new ContextAuthorizer(accept, inbound).authorize(ws, route)).toBe(true);
    expect(client.honeybee).toBe(principal);
    expect(principalHolderOf(ws, 'honeybee')).toBe(client);

    const refuse: AuthorizationDecision = async () => {
      throw new HoneybeeUnauthorizedException('Missing Bearer token', { realm: 'r' });
    };
    const error = await new ContextAuthorizer(refuse, inbound)
      .authorize(ws, route)
      .catch((e: unknown) => e);
    expect((error as { getError(): unknown }).getError()).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    expect(client).not.toHaveProperty('honeybee');
  });
});

describe('principalHolderOf', () => {
  it('GraphQL: the operation context when the principal is on it, else its HTTP request', () => {
    const req = { headers: {} };
    expect(principalHolderOf(contextOf('graphql', [{}, {}, { req }, {}]), 'honeybee')).toBe(req);
    const ctx = { req, honeybee: principal };
    expect(principalHolderOf(contextOf('graphql', [{}, {}, ctx, {}]), 'honeybee')).toBe(ctx);
  });

  it('RPC: the message context; an unknown type: nothing', () => {
    const rpc = { getMetadata: () => undefined };
    expect(principalHolderOf(contextOf('rpc', [{}, rpc]), 'honeybee')).toBe(rpc);
    expect(principalHolderOf(contextOf('custom', [{}]), 'honeybee')).toBeUndefined();
  });
});
