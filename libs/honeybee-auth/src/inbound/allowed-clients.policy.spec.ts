import type { LoggerService } from '@nestjs/common';
import { resolveOptions } from '../options/resolve-options.js';
import type { HoneybeeInboundOptions } from '../options/honeybee-auth-options.interface.js';
import { allowedOrNull, warnIfAnyClientAccepted } from './allowed-clients.policy.js';

const inbound = (over: HoneybeeInboundOptions = {}) =>
  resolveOptions({
    clientId: 'me',
    clientSecret: 's',
    inbound: {
      jwt: { jwksUri: 'https://i.test/jwks', issuer: 'i', audience: 'a' },
      ...over,
    },
  }).inbound;

class Lines implements LoggerService {
  readonly lines: string[] = [];
  log = (m: string) => void this.lines.push(`log ${m}`);
  warn = (m: string) => void this.lines.push(`warn ${m}`);
  error = (m: string) => void this.lines.push(`error ${m}`);
  debug = (m: string) => void this.lines.push(`debug ${m}`);
}

describe('allowedClientIds policy', () => {
  it('keeps a listed client, refuses another and an unknown one with one debug line each', () => {
    const options = inbound({ allowedClientIds: ['partner'] });
    const logger = new Lines();
    const token = 'tok-0123456789abcdef';
    expect(allowedOrNull(options, { clientId: 'partner', scopes: [] }, token, logger)).toEqual({
      clientId: 'partner',
      scopes: [],
    });
    expect(
      allowedOrNull(options, { clientId: 'other\n[x]', scopes: [] }, token, logger),
    ).toBeNull();
    expect(allowedOrNull(options, { scopes: [] }, token, logger)).toBeNull();
    expect(logger.lines).toEqual([
      'debug Token tok-…(20) refused: its client "other\\x0a[x]" is not in inbound.allowedClientIds',
      'debug Token tok-…(20) refused: its client is unknown in inbound.allowedClientIds',
    ]);
  });

  it('keeps every principal without a list', () => {
    expect(allowedOrNull(inbound(), { scopes: [] }, 'tok', new Lines())).toEqual({ scopes: [] });
  });

  it('warns once per configuration, only for token-info and jwt without a list', () => {
    const logger = new Lines();
    const tokenInfo = inbound();
    warnIfAnyClientAccepted(tokenInfo, logger);
    warnIfAnyClientAccepted(tokenInfo, logger);
    warnIfAnyClientAccepted(inbound({ verifier: 'jwt' }), logger);
    warnIfAnyClientAccepted(inbound({ verifier: 'introspection' }), logger);
    warnIfAnyClientAccepted(inbound({ allowedClientIds: ['a'] }), logger);
    expect(logger.lines).toEqual([
      expect.stringMatching(/^warn inbound\.allowedClientIds is not set: the token-info verifier/),
      expect.stringMatching(/^warn inbound\.allowedClientIds is not set: the jwt verifier/),
    ]);
  });
});
