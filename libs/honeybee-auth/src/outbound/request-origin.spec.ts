import axios from 'axios';
import fc from 'fast-check';
import { requestOriginOf } from './request-origin.js';

const BASE = 'https://partners.honeybeehealth.com/v1';
const ALLOWED = 'https://partners.honeybeehealth.com';

/** What axios itself resolves (its public `getUri`), then parses as its Node adapter does. */
function axiosOrigin(config: {
  baseURL?: string;
  url?: string;
  allowAbsoluteUrls?: boolean;
}): string | undefined {
  try {
    const parsed = new URL(axios.create().getUri(config));
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

describe('requestOriginOf', () => {
  const cases: Array<[string, string | undefined, string | undefined, boolean?]> = [
    ['relative path', '/patients/1/rx', ALLOWED],
    ['relative path without a slash', 'patients/1/rx', ALLOWED],
    ['no url at all', undefined, ALLOWED],
    ['absolute URL on the API host', `${BASE}/orders`, ALLOWED],
    ['upper-case host', 'https://PARTNERS.HoneybeeHealth.COM/v1', ALLOWED],
    ['upper-case scheme', 'HTTPS://partners.honeybeehealth.com/v1', ALLOWED],
    ['explicit default port', 'https://partners.honeybeehealth.com:443/v1', ALLOWED],
    ['fragment that looks like userinfo', 'https://partners.honeybeehealth.com#@evil.com', ALLOWED],
    ['backslash before @ (a path)', 'https://partners.honeybeehealth.com\\@evil.com', ALLOWED],
    ['relative backslashes stay on the base', '\\\\evil.com/x', ALLOWED],
    ['leading space: axios treats it as relative', ' https://evil.com/x', ALLOWED],
    ['leading tab: axios treats it as relative', '\thttps://evil.com/x', ALLOWED],
    ['other host', 'https://evil.com/v1', 'https://evil.com'],
    [
      'allowed host as a prefix',
      `${ALLOWED}.evil.com/v1`,
      'https://partners.honeybeehealth.com.evil.com',
    ],
    ['allowed host as userinfo', `${ALLOWED}@evil.com/v1`, 'https://evil.com'],
    ['allowed host:port as userinfo', `${ALLOWED}:443@evil.com/v1`, 'https://evil.com'],
    [
      'backslash in userinfo position',
      'https://evil.com\\@partners.honeybeehealth.com',
      'https://evil.com',
    ],
    [
      'query that looks like userinfo',
      'https://evil.com?@partners.honeybeehealth.com',
      'https://evil.com',
    ],
    [
      'encoded dot',
      'https://partners.honeybeehealth.com%2eevil.com/',
      'https://partners.honeybeehealth.com.evil.com',
    ],
    [
      'trailing dot',
      'https://partners.honeybeehealth.com./v1',
      'https://partners.honeybeehealth.com.',
    ],
    [
      'http on the same host',
      'http://partners.honeybeehealth.com/v1',
      'http://partners.honeybeehealth.com',
    ],
    [
      'other port',
      'https://partners.honeybeehealth.com:8443/v1',
      'https://partners.honeybeehealth.com:8443',
    ],
    ['protocol-relative (axios cannot send it without a base)', '//evil.com/x', undefined],
    ['scheme without slashes (axios refuses it)', 'https:evil.com/x', undefined],
    ['scheme with backslashes (axios refuses it)', 'https:\\\\evil.com/x', undefined],
    ['non-http scheme', 'ftp://partners.honeybeehealth.com/x', undefined],
  ];

  it.each(cases)('%s: %j → %s', (_name, url, expected) => {
    const config = { baseURL: BASE, url };
    expect(requestOriginOf(config)).toBe(expected);
    expect(requestOriginOf(config)).toBe(axiosOrigin(config));
  });

  it('keeps the base for an absolute URL when allowAbsoluteUrls is false', () => {
    const config = { baseURL: BASE, url: 'https://evil.com/x', allowAbsoluteUrls: false };
    expect(requestOriginOf(config)).toBe(ALLOWED);
    expect(axiosOrigin(config)).toBe(ALLOWED);
  });

  it('needs an absolute URL when there is no base', () => {
    expect(requestOriginOf({ url: '/x' })).toBeUndefined();
    expect(requestOriginOf({ url: 'https://evil.com/x' })).toBe('https://evil.com');
  });

  it('gives no origin to a Unix-socket request, whatever its URL says', () => {
    expect(
      requestOriginOf({ baseURL: BASE, url: '/x', socketPath: '/tmp/s.sock' }),
    ).toBeUndefined();
  });

  it('gives no origin to a url that is not a string', () => {
    const url = new URL('https://evil.com') as unknown as string;
    expect(requestOriginOf({ url })).toBeUndefined();
  });

  it('agrees with axios on generated tricky URLs', () => {
    const piece = fc.constantFrom(
      '',
      ' ',
      '\t',
      '/',
      '//',
      '\\',
      '\\\\',
      'http:',
      'https:',
      'HTTPS:',
      'partners.honeybeehealth.com',
      'PARTNERS.HONEYBEEHEALTH.COM',
      'evil.com',
      '@',
      ':443',
      ':80',
      '.',
      '#',
      '?',
      '%2e',
      'v1/x',
    );
    fc.assert(
      fc.property(
        fc.array(piece, { minLength: 1, maxLength: 6 }),
        fc.constantFrom(BASE, `${BASE}/`, 'http://127.0.0.1:8080', undefined),
        fc.constantFrom(true, false, undefined),
        (pieces, baseURL, allowAbsoluteUrls) => {
          const config = { baseURL, url: pieces.join(''), allowAbsoluteUrls };
          expect(requestOriginOf(config)).toBe(axiosOrigin(config));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
