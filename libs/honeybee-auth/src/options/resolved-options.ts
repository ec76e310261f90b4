import type { Type } from '@nestjs/common';
import type { Secret } from '../common/secret.js';
import type { TokenVerifier } from '../inbound/token-verifier.interface.js';
import type { TokenStore } from '../outbound/token-store.interface.js';
import type { BasicCredentialsEncoding, ClientAuthMethod } from '../common/client-credentials.js';

/** DI token of the validated, normalised options ({@link ResolvedHoneybeeAuthOptions}). */
export const HONEYBEE_AUTH_OPTIONS = Symbol('honeybee-auth:resolved-options');

/** The `jwt` verifier's settings after validation, with defaults applied. */
export interface ResolvedJwtVerifierOptions {
  jwksUri: string;
  issuer: string[];
  audience: string[];
  algorithms: string[];
  clockToleranceSeconds: number;
  jwksCooldownMs: number;
  jwksTimeoutMs: number;
  requireAtJwtType: boolean;
}

/** The inbound options after validation, with defaults applied. */
export interface ResolvedInboundOptions {
  verifier: 'token-info' | 'introspection' | 'jwt' | Type<TokenVerifier>;
  /** `undefined`: every client. */
  allowedClientIds?: ReadonlySet<string>;
  tokenInfoUrl: string;
  introspectionUrl: string;
  jwt?: ResolvedJwtVerifierOptions;
  verifyTimeoutMs: number;
  cache: { maxEntries: number; maxAgeMs: number; negativeTtlMs: number };
  maxConcurrentVerifications: number;
  realm: string;
  retryAfterSeconds: number;
  allowTokenInQuery: boolean;
  allowTokenInBody: boolean;
  maxTokenLength: number;
  webSockets: { allowTokenInAuth: boolean; allowTokenInQuery: boolean };
}

/**
 * The telemetry options after validation, with defaults applied. The providers are typed by
 * what is checked of them, so that these types need no OpenTelemetry package.
 */
export interface ResolvedTelemetryOptions {
  enabled: boolean;
  meterProvider?: { getMeter(name: string, version?: string): unknown };
  tracerProvider?: { getTracer(name: string, version?: string): unknown };
  /** Normalised scope sets, each space-joined (a token service's scope key). */
  scopeSets: string[];
}

/**
 * The module's options after start-up validation: every default applied, every duration in
 * milliseconds, scopes normalised, secrets wrapped in {@link Secret}.
 */
export interface ResolvedHoneybeeAuthOptions {
  clientId: string;
  clientSecret: Secret;
  tokenUrl: string;
  apiBaseUrl: string;
  scopes: string[];
  clientAuthMethod: ClientAuthMethod;
  basicCredentialsEncoding: BasicCredentialsEncoding;
  allowInsecureLoopback: boolean;
  allowedOrigins: string[];
  refreshMarginMs: number;
  expiryLeewayMs: number;
  tokenRequestTimeoutMs: number;
  httpTimeoutMs: number;
  retry: { maxAttempts: number; initialDelayMs: number; maxDelayMs: number };
  maxTokenResponseBytes: number;
  tokenStore?: {
    store: TokenStore;
    encryptionKey: Secret;
    lockTtlMs: number;
    waitTimeoutMs: number;
    closeOnShutdown: boolean;
  };
  webhookSecret?: Secret;
  inbound: ResolvedInboundOptions;
  telemetry: ResolvedTelemetryOptions;
}
