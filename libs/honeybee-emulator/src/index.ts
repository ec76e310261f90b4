/**
 * Honeybee emulator: an in-process stand-in for Honeybee Health's Doorkeeper authorization
 * server and a subset of its Partners API, for tests and local runs.
 */
export { HoneybeeEmulator } from './honeybee-emulator.js';
export type { SignJwtOptions, WebhookDeliveryRecord } from './honeybee-emulator.js';
export { ManualClock, systemClock } from './clock.js';
export type { Clock } from './clock.js';
export { HoneybeeEmulatorError } from './emulator.errors.js';
export type { OAuthErrorCode } from './emulator.errors.js';
export { DOORKEEPER_VERSIONS } from './doorkeeper.profile.js';
export type { DoorkeeperVersion } from './doorkeeper.profile.js';
export { DEFAULT_JWT_AUDIENCE, DEFAULT_MAX_BODY_BYTES } from './emulator.options.js';
export type {
  EmulatorSwitches,
  HoneybeeEmulatorOptions,
  JwtModeOptions,
} from './emulator.options.js';
export type { RevokePreviousMode } from './tokens/token.issuer.js';
export type { EmulatorUrls } from './emulator.context.js';
export { DEFAULT_TOKEN_LIFETIME_SECONDS } from './clients/client.registry.js';
export type { ClientRegistration, GrantType, RegisteredClient } from './clients/client.registry.js';
export { FAULT_ENDPOINTS } from './faults/faults.js';
export type {
  Fault,
  FaultEndpoint,
  FaultHandle,
  FaultKind,
  FaultOptions,
} from './faults/faults.js';
export { htmlProxyErrorFault, oauthErrorFault } from './faults/fault-presets.js';
export { maskSecret } from './server/request.recorder.js';
export type { RecordedEndpoint, RecordedRequest } from './server/request.recorder.js';
export type { AcceptPolicy } from './http/http-utils.js';
export type { JwtAlgorithm, RotateKeysOptions, SigningKeyChoice } from './tokens/jwt-keys.js';
export type { TokenResponseBody } from './tokens/token.issuer.js';
export type { IssuedToken, RevocationReason } from './tokens/token.store.js';
export type { TokenInfoBody } from './endpoints/token-info.endpoint.js';
export type { ActiveIntrospectionBody } from './endpoints/introspection.endpoint.js';
export type { AuthorizationServerMetadata } from './endpoints/discovery.endpoint.js';
export { DEFAULT_API_SCOPES } from './api/api.options.js';
export type { ApiRoute, PartnersApiOptions, SimulateWebhookTarget } from './api/api.options.js';
export { DEFAULT_PATIENTS } from './api/patients.store.js';
export type { MedicationRequest, PatientRecord, PatientSeed } from './api/patients.store.js';
export type { Order } from './api/orders.store.js';
export type {
  SendWebhookOptions,
  WebhookDelivery,
  WebhookEvent,
  WebhookEventInput,
  WebhookEventType,
} from './webhooks/webhook.sender.js';
