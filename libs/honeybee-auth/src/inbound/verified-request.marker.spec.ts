import { inspect } from 'node:util';
import { markVerified, verifiedEarlier } from './verified-request.marker.js';

describe('verified-request marker', () => {
  const principal = () => ({ clientId: 'c', scopes: ['a'] });
  const configA = {};
  const configB = {};

  it('gives the principal back only for the same token key and the same configuration', () => {
    const request = {};
    const p = principal();
    markVerified(request, p, 'key-1', configA, true);
    expect(verifiedEarlier(request, 'key-1', configA)).toBe(p);
    expect(verifiedEarlier(request, 'key-1', configB)).toBeUndefined();
    expect(verifiedEarlier(request, 'key-2', configA)).toBeUndefined();
    expect(verifiedEarlier({}, 'key-1', configA)).toBeUndefined();
  });

  it('puts the principal on request.honeybee and nothing else on the request', () => {
    const request = { path: '/x' };
    const p = principal();
    markVerified(request, p, 'key-1', configA, true);
    expect(Reflect.ownKeys(request)).toEqual(['path', 'honeybee']);
    expect(inspect(request, { depth: 5, showHidden: true })).not.toContain('key-1');
  });

  it('never reuses a principal that something else put on request.honeybee', () => {
    const request = { honeybee: principal() };
    expect(verifiedEarlier(request, 'key-1', configA)).toBeUndefined();
    expect(verifiedEarlier({ honeybee: 'forged' }, 'key-1', configA)).toBeUndefined();
  });

  it('remembers nothing while the cache is on (the cache answers a second guard)', () => {
    const request = {};
    const p = principal();
    markVerified(request, p, 'key-1', configA, false);
    expect(verifiedEarlier(request, 'key-1', configA)).toBeUndefined();
    expect((request as { honeybee?: unknown }).honeybee).toBe(p);
  });

  it('keeps the first origin of a shared principal (a cached one, on many requests)', () => {
    const p = principal();
    const first = {};
    const second = {};
    markVerified(first, p, 'key-1', configA, true);
    markVerified(second, p, 'key-1', configA, true);
    expect(verifiedEarlier(second, 'key-1', configA)).toBe(p);
  });
});
