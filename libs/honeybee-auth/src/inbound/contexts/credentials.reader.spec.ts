import {
  NO_CREDENTIALS,
  authorizationEntries,
  fromAuthorizationValues,
  oneCredential,
} from './credentials.reader.js';

describe('authorizationEntries', () => {
  it('finds the authorization entries whatever their case, one per array element', () => {
    expect(authorizationEntries({ Authorization: 'a', other: 'x' })).toEqual(['a']);
    expect(authorizationEntries({ authorization: ['a', 'b'], AUTHORIZATION: 'c' })).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(authorizationEntries({ authorization: undefined })).toEqual([]);
  });

  it('reads nothing from what is not an object', () => {
    for (const value of [undefined, null, 'Bearer x', 42]) {
      expect(authorizationEntries(value)).toEqual([]);
    }
  });

  it('turns an unreadable object into a value the caller refuses, never a throw', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('no');
        },
      },
    );
    const [value] = authorizationEntries(hostile);
    expect(typeof value).toBe('symbol');
    expect(fromAuthorizationValues([value], 'metadata', 100)).toEqual({
      kind: 'invalid_request',
      description: 'The authorization entry of the metadata is not a string',
    });
  });
});

describe('fromAuthorizationValues', () => {
  it('reads one Bearer value by the header rules', () => {
    expect(fromAuthorizationValues(['Bearer abc'], 'metadata', 100)).toEqual({
      kind: 'token',
      token: 'abc',
      method: 'header',
    });
    expect(fromAuthorizationValues(['Basic abc'], 'metadata', 100)).toEqual(NO_CREDENTIALS);
    expect(fromAuthorizationValues(['Bearer a,b'], 'metadata', 100)).toEqual({
      kind: 'invalid_request',
      description: 'The Bearer token is malformed',
    });
    expect(fromAuthorizationValues([`Bearer ${'a'.repeat(101)}`], 'metadata', 100)).toMatchObject({
      kind: 'invalid_request',
    });
  });

  it('reads a Buffer as UTF-8 (gRPC binary metadata, Kafka headers)', () => {
    expect(
      fromAuthorizationValues([Buffer.from('Bearer abc')], 'Kafka headers', 100),
    ).toMatchObject({
      kind: 'token',
      token: 'abc',
    });
  });

  it('refuses several values and non-strings', () => {
    expect(fromAuthorizationValues([], 'metadata', 100)).toEqual(NO_CREDENTIALS);
    expect(fromAuthorizationValues(['Bearer a', 'Bearer b'], 'gRPC metadata', 100)).toEqual({
      kind: 'invalid_request',
      description: 'The gRPC metadata carry several authorization entries',
    });
    expect(fromAuthorizationValues([{ token: 'x' }], 'connectionParams', 100)).toEqual({
      kind: 'invalid_request',
      description: 'The authorization entry of the connectionParams is not a string',
    });
  });
});

describe('oneCredential', () => {
  const token = { kind: 'token', token: 'abc', method: 'header' } as const;

  it('is what the one place that has credentials holds', () => {
    expect(
      oneCredential([
        ['a', NO_CREDENTIALS],
        ['b', token],
      ]),
    ).toBe(token);
    expect(oneCredential([['a', NO_CREDENTIALS]])).toEqual(NO_CREDENTIALS);
  });

  it('refuses credentials in more than one place, even the same token', () => {
    expect(
      oneCredential([
        ['connectionParams', token],
        ['handshake header', token],
      ]),
    ).toEqual({
      kind: 'invalid_request',
      description:
        'The access token was sent in more than one place (connectionParams, handshake header)',
    });
  });
});
