import { isOAuthErrorCode, isOAuthErrorText, printable, safeRequestId } from './upstream-text.js';

describe('upstream text', () => {
  it('accepts RFC 6749 error codes of at most 64 characters', () => {
    for (const code of ['invalid_client', 'rate_limit_exceeded', 'x', 'e'.repeat(64), 'a b']) {
      expect(isOAuthErrorCode(code)).toBe(true);
    }
    for (const code of ['', 'e'.repeat(65), 'a"b', 'a\\b', 'a\nb', 'a\u001bb', 'é', 7, null]) {
      expect(isOAuthErrorCode(code)).toBe(false);
    }
  });

  it('checks error_description text against RFC 6749 NQSCHAR', () => {
    expect(isOAuthErrorText('Client authentication failed (unknown client).')).toBe(true);
    expect(isOAuthErrorText('two\nlines')).toBe(false);
    expect(isOAuthErrorText('tab\there')).toBe(false);
    expect(isOAuthErrorText('quo"te')).toBe(false);
  });

  it('quotes only request ids of 1 to 128 visible ASCII characters', () => {
    expect(safeRequestId('6d967753-58ab-4fcc-bbde-d17b92ec653e')).toBe(
      '6d967753-58ab-4fcc-bbde-d17b92ec653e',
    );
    for (const id of [null, undefined, '', 'a b', 'r'.repeat(129), 'x\u009b', 'é']) {
      expect(safeRequestId(id)).toBeUndefined();
    }
  });

  it('escapes every character outside printable ASCII and bounds the length', () => {
    expect(printable('a\nb\r\u001b[31mc\u009b\u2028\u202ed')).toBe(
      'a\\x0ab\\x0d\\x1b[31mc\\x9b\\u2028\\u202ed',
    );
    expect(printable('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
