import { inspect } from 'node:util';
import { markVerified, verifiedEarlier } from './verified-request.marker.js';

describe('verified-request marker', () => {
  const principal = { clientId: 'c', scopes: ['a'] };
  const configA = {};
  const configB = {};

  it('gives the principal back only for the same token and the same configuration', () => {
    const request = {};
    markVerified(request, 'tok', principal, configA);
    expect(verifiedEarlier(request, 'tok', configA)).toBe(principal);
    expect(verifiedEarlier(request, 'tok', configB)).toBeUndefined();
    expect(verifiedEarlier(request, 'other', configA)).toBeUndefined();
    expect(verifiedEarlier({}, 'tok', configA)).toBeUndefined();
  });

  it('never shows the token: not to JSON, enumeration, inspection or a spread', () => {
    const request = { path: '/x' };
    const token = 'marker-token-value';
    markVerified(request, token, principal, configA);
    expect(Object.keys(request)).toEqual(['path']);
    expect(JSON.stringify(request)).toBe('{"path":"/x"}');
    expect(inspect(request, { depth: 5, showHidden: true })).not.toContain(token);
    expect(inspect({ ...request }, { depth: 5, showHidden: true })).not.toContain(token);
  });
});
