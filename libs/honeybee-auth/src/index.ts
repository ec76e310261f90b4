export { HoneybeeAuthModule } from './honeybee-auth.module.js';
export type { BasicCredentialsEncoding, ClientAuthMethod } from './common/client-credentials.js';
export type {
  HoneybeeAuthModuleOptions,
  HoneybeeInboundOptions,
  HoneybeeJwtVerifierOptions,
  HoneybeeRetryOptions,
  HoneybeeTelemetryOptions,
  HoneybeeTokenStoreOptions,
  HoneybeeVerificationCacheOptions,
  HoneybeeWebSocketOptions,
} from './options/honeybee-auth-options.interface.js';
export { DEFAULT_API_BASE_URL, DEFAULT_TOKEN_URL } from './options/resolve-options.js';
export { HONEYBEE_CLOCK, systemClock } from './common/clock.js';
export type { Clock } from './common/clock.js';
export { HoneybeeConfigError } from './errors/honeybee-config.error.js';
export { HoneybeeTokenError } from './errors/honeybee-token.error.js';
export type {
  HoneybeeTokenErrorDetails,
  HoneybeeTokenErrorKind,
} from './errors/honeybee-token.error.js';
export { HoneybeeVerifierUnavailableError } from './errors/honeybee-verifier-unavailable.error.js';
export type { HoneybeeVerifierUnavailableKind } from './errors/honeybee-verifier-unavailable.error.js';
export { HoneybeeTokenService } from './outbound/token.service.js';
export type { HoneybeeTokenStatus } from './outbound/token.service.js';
export type { TokenStore } from './outbound/token-store.interface.js';
export { MemoryTokenStore } from './outbound/memory-token.store.js';
export { HoneybeeHttpService } from './outbound/honeybee-http.service.js';
export { HoneybeeAuthorization } from './outbound/honeybee-authorization.service.js';
export type { HoneybeeRequestOptions } from './outbound/honeybee-request-options.js';
export { requestIdOf, retryAfterOf } from './outbound/api-error.js';
export type { HoneybeePrincipal, TokenVerifier } from './inbound/token-verifier.interface.js';
export {
  IS_PUBLIC_KEY,
  PUBLIC_KEY,
  Public,
  REQUIRED_ANY_SCOPE_KEY,
  REQUIRED_SCOPES_KEY,
  RequireAnyScope,
  RequireScopes,
} from './inbound/require-scopes.decorator.js';
export { ScopesGuard } from './inbound/scopes.guard.js';
export {
  HONEYBEE_WEBHOOK_SECRET_HEADER,
  HoneybeeWebhookGuard,
} from './inbound/honeybee-webhook.guard.js';
export {
  CurrentPrincipal,
  HONEYBEE_PRINCIPAL_PROPERTY,
} from './inbound/current-principal.decorator.js';
export { rememberHandshake } from './inbound/contexts/websocket.context.js';
export type { HoneybeeRefusal, HoneybeeRefusalCode } from './inbound/contexts/context-refusal.js';
export { HONEYBEE_TOKEN_VERIFIER } from './inbound/token-verifier.provider.js';
export { VerificationCache } from './inbound/verification.cache.js';
export {
  HoneybeeBadRequestException,
  HoneybeeForbiddenException,
  HoneybeeServiceUnavailableException,
  HoneybeeUnauthorizedException,
} from './inbound/bearer-challenge.exceptions.js';
export type {
  BearerErrorCode,
  HoneybeeAuthException,
  HoneybeeAuthExceptionDetails,
} from './inbound/bearer-challenge.exceptions.js';
