// Checking JWT access tokens locally, against the issuer's JWKS.
import type { HoneybeeInboundOptions } from 'nestjs-honeybee-auth';

export const inbound: HoneybeeInboundOptions = {
  verifier: 'jwt',
  jwt: {
    jwksUri: 'https://auth.example.com/oauth/discovery/keys',
    issuer: 'https://auth.example.com', // required
    audience: 'partner-api', // required
    algorithms: ['RS256', 'ES256'], // default; HMAC and "none" are refused at start-up
    clockToleranceSeconds: 5, // default
    jwksCooldownMs: 30_000, // default: min time between two JWKS fetches
    jwksTimeoutMs: 5_000, // default
    requireAtJwtType: true, // default: typ must be at+jwt (RFC 9068 §4)
  },
};
