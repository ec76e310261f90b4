import type { DemoCaller } from './honeybee/embedded-honeybee.js';

/** What the start-up banner needs to know. */
export interface BannerFacts {
  /** The app's base URL, e.g. `http://127.0.0.1:3000`. */
  appUrl: string;
  /** In embedded mode: the emulator, its demo callers and the webhook secret. */
  embedded?: {
    emulatorUrl: string;
    tokenUrl: string;
    callers: readonly DemoCaller[];
    webhookSecret: string;
  };
  /** In remote mode: where the app gets its tokens, and whether a webhook secret is set. */
  remote?: { tokenUrl: string; apiBaseUrl: string; webhookSecretSet: boolean };
}

/** The first line; tests wait for it and read the URL from it. */
export const LISTENING_PREFIX = 'Sample app listening on ';

const ORDER = JSON.stringify({
  patient_id: 'p_1',
  medication_request_id: 'mr_p_1_1',
  shipping_address: { line1: '1 Main St', city: 'Springfield', state: 'IL', postal_code: '62701' },
});

const GRAPHQL_QUERY = JSON.stringify({
  query: '{ prescriptions(patientId: "p_1") { id status medication } }',
});

/**
 * A one-line WebSocket client (the `ws` package of this repository): connects to `/ws` (with
 * the token in the handshake's Authorization header when given), sends `webhooks.recent` and
 * prints the first frame it gets back.
 */
function wsCommand(appUrl: string, token?: string): string {
  const headers = token ? `{ headers: { authorization: 'Bearer ${token}' } }` : '{}';
  return (
    `node -e "const ws = new (require('ws'))('${appUrl.replace(/^http/, 'ws')}/ws', ${headers}); ` +
    `ws.on('open', () => ws.send(JSON.stringify({ event: 'webhooks.recent' }))); ` +
    `ws.on('message', (m) => { console.log(String(m)); ws.close(); })"`
  );
}

/**
 * The text `npm start` prints once the app listens: URLs, the demo callers and `curl`
 * commands to paste (one per line, so they can be copied, and run by the tests, one by one).
 */
export function banner({ appUrl, embedded, remote }: BannerFacts): string {
  const lines = [`${LISTENING_PREFIX}${appUrl}`];
  if (remote) {
    lines.push(
      `Honeybee: ${remote.apiBaseUrl} (tokens from ${remote.tokenUrl})`,
      `Webhook secret: ${remote.webhookSecretSet ? 'set (HONEYBEE_WEBHOOK_SECRET)' : 'NOT SET: webhooks are refused with 503'}`,
      '',
      "Call it with a Honeybee access token that has the route's scopes:",
      `  curl -s -w '\\n' ${appUrl}/health`,
      `  curl -s -w '\\n' ${appUrl}/patients/p_1/prescriptions -H "Authorization: Bearer $TOKEN"`,
    );
    return lines.join('\n');
  }
  const { emulatorUrl, tokenUrl, callers, webhookSecret } = embedded!;
  const width = Math.max(...callers.map((c) => c.clientId.length)) + 3;
  const secretWidth = Math.max(...callers.map((c) => c.clientSecret.length)) + 3;
  const token = (caller: string, variable: string) =>
    `${variable}=$(curl -s ${tokenUrl} -d grant_type=client_credentials -d client_id=${caller} -d client_secret=${caller}-secret | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`;
  lines.push(
    `Honeybee emulator (embedded, offline): ${emulatorUrl}`,
    '',
    'Demo callers (they get tokens from the emulator, then call the app):',
    `  ${'client_id'.padEnd(width)}${'client_secret'.padEnd(secretWidth)}scopes`,
    ...callers.map(
      (c) =>
        `  ${c.clientId.padEnd(width)}${c.clientSecret.padEnd(secretWidth)}${c.scopes.join(' ')}`,
    ),
    `Webhook secret (X-Honeybee-Secret): ${webhookSecret}`,
    '',
    'Try it (bash):',
    `  ${token('demo-writer', 'TOKEN')}`,
    `  ${token('demo-reader', 'READER')}`,
    `  curl -s -w '\\n' ${appUrl}/health`,
    `  curl -s -w '\\n' ${appUrl}/patients/p_1/prescriptions -H "Authorization: Bearer $TOKEN"`,
    `  curl -s -w '\\n' ${appUrl}/orders -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '${ORDER}'`,
    `  curl -s -w '\\n' ${appUrl}/webhooks/honeybee -H 'X-Honeybee-Secret: ${webhookSecret}' -H 'Content-Type: application/json' -d '{"event_id":"evt_demo_1","event_type":"RX_RECEIVED","patient_id":"p_1"}'`,
    `  curl -s -w '\\n' ${appUrl}/webhooks/honeybee/recent -H "Authorization: Bearer $READER"`,
    'And the refusals:',
    `  curl -s -i -w '\\n' ${appUrl}/patients/p_1/prescriptions`,
    `  curl -s -w '\\n' ${appUrl}/orders -H "Authorization: Bearer $READER" -H 'Content-Type: application/json' -d '${ORDER}'`,
    `  curl -s -w '\\n' ${appUrl}/orders -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"patient_id":"p_1"}'`,
    `  curl -s -w '\\n' ${appUrl}/patients/p_404/prescriptions -H "Authorization: Bearer $TOKEN"`,
    `  curl -s -w '\\n' ${appUrl}/webhooks/honeybee -H 'X-Honeybee-Secret: wrong' -H 'Content-Type: application/json' -d '{}'`,
    'GraphQL (POST /graphql) and WebSocket (/ws) behind the same guard, with and without a token:',
    `  curl -s -w '\\n' ${appUrl}/graphql -H "Authorization: Bearer $READER" -H 'Content-Type: application/json' -d '${GRAPHQL_QUERY}'`,
    `  curl -s -w '\\n' ${appUrl}/graphql -H 'Content-Type: application/json' -d '${GRAPHQL_QUERY}'`,
    `  ${wsCommand(appUrl, '$READER')}`,
    `  ${wsCommand(appUrl)}`,
    'Stop with Ctrl-C.',
  );
  return lines.join('\n');
}
