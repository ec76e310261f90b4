import type { ClientRegistration } from '../clients/client.registry.js';

/** The client most specs register: `app` / `app-secret`, with both Partners API scopes. */
export const APP: ClientRegistration = Object.freeze({
  clientId: 'app',
  clientSecret: 'app-secret',
  scopes: Object.freeze(['prescriptions:read', 'orders:write']),
});

/** A second client, to show what one client may not do with another's token. */
export const OTHER: ClientRegistration = Object.freeze({
  clientId: 'other',
  clientSecret: 'other-secret',
  scopes: Object.freeze(['prescriptions:read']),
});

/** The moment the endpoint specs start at (on a `ManualClock`), in epoch ms. */
export const START = Date.parse('2025-06-24T04:28:55.000Z');

/**
 * The `WWW-Authenticate` value Doorkeeper sends with an error, written out here so that specs
 * check the emulator's against Doorkeeper's format, not against the emulator's own function.
 */
export const doorkeeperChallenge = (error: string, description: string): string =>
  `Bearer realm="Doorkeeper", error="${error}", error_description="${description}"`;
