import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { normalizeClient } from '../clients/client.registry.js';
import type { ClientRegistration } from '../clients/client.registry.js';
import type { JwtAlgorithm } from '../tokens/jwt-keys.js';
import { DOORKEEPER_VERSIONS } from '../doorkeeper.profile.js';
import type { DoorkeeperVersion } from '../doorkeeper.profile.js';

/** What the command line asked for. */
export interface CliOptions {
  /** `--clients <file.json>`: a JSON file of client registrations. */
  readonly clientsFile?: string;
  /** `--port <n>` (default 0: a free port). */
  readonly port: number;
  /** `--host <address>` (default 127.0.0.1). */
  readonly host: string;
  /** `--doorkeeper <5.5|current>`: which Doorkeeper to answer like (default current). */
  readonly doorkeeper: DoorkeeperVersion;
  /** `--jwt <RS256|ES256>`: JWT mode. */
  readonly jwt?: JwtAlgorithm;
  /** `--token-reuse`. */
  readonly tokenReuse: boolean;
  /** `--revoke-previous`. */
  readonly revokePreviousToken: boolean;
  /** `--log-requests`: one line per request received. */
  readonly logRequests: boolean;
  /** `--help`. */
  readonly help: boolean;
}

/**
 * The client registered when no `--clients` file is given (documented in the README). A request
 * without `scope` gets both scopes (they are its default scopes), with either profile.
 */
export const DEFAULT_CLI_CLIENT: Readonly<ClientRegistration> = Object.freeze({
  clientId: 'honeybee-emulator',
  clientSecret: 'honeybee-emulator-secret',
  scopes: Object.freeze(['prescriptions:read', 'orders:write']),
  defaultScopes: Object.freeze(['prescriptions:read', 'orders:write']),
});

/** Usage text of the `honeybee-emulator` command. */
export const CLI_USAGE = `Usage: honeybee-emulator [options]

  --clients <file.json>  clients to register: {"clients":[{clientId, clientSecret, scopes,
                         tokenLifetimeSeconds, defaultScopes}]} or a bare array
  --port <n>             port to listen on (default: 0, a free port)
  --host <address>       interface to listen on (default: 127.0.0.1)
  --doorkeeper <version> answer like Doorkeeper 5.5 or the current Doorkeeper
                         (5.5 | current, default: current)
  --jwt <RS256|ES256>    issue JWT access tokens instead of opaque ones
  --token-reuse          reuse a client's still-valid token (Doorkeeper reuse_access_token)
  --revoke-previous      a new token revokes the client's previous one
  --log-requests         print one line per request received (client ids, never secrets)
  --help                 show this help`;

/**
 * Parses the command line.
 *
 * @throws Error with a readable message for an unknown flag or a bad value.
 */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      clients: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      doorkeeper: { type: 'string' },
      jwt: { type: 'string' },
      'token-reuse': { type: 'boolean' },
      'revoke-previous': { type: 'boolean' },
      'log-requests': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || port > 65_535) {
    throw new Error(`--port must be an integer from 0 to 65535, got "${values.port}"`);
  }
  if (values.jwt !== undefined && values.jwt !== 'RS256' && values.jwt !== 'ES256') {
    throw new Error(`--jwt must be RS256 or ES256, got "${values.jwt}"`);
  }
  const doorkeeper = values.doorkeeper ?? 'current';
  if (!(DOORKEEPER_VERSIONS as readonly string[]).includes(doorkeeper)) {
    throw new Error(
      `--doorkeeper must be ${DOORKEEPER_VERSIONS.join(' or ')}, got "${values.doorkeeper}"`,
    );
  }
  return {
    ...(values.clients !== undefined ? { clientsFile: values.clients } : {}),
    port,
    host: values.host ?? '127.0.0.1',
    doorkeeper: doorkeeper as DoorkeeperVersion,
    ...(values.jwt !== undefined ? { jwt: values.jwt } : {}),
    tokenReuse: values['token-reuse'] ?? false,
    revokePreviousToken: values['revoke-previous'] ?? false,
    logRequests: values['log-requests'] ?? false,
    help: values.help ?? false,
  };
}

/**
 * Reads and validates a clients file: `{"clients": [...]}` or a bare array of registrations.
 *
 * @throws Error naming the file and the bad field.
 */
export async function loadClientsFile(path: string): Promise<ClientRegistration[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read clients file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { clients?: unknown } | null)?.clients;
  if (!Array.isArray(list)) {
    throw new Error(`Clients file ${path} must hold an array or {"clients": [...]}`);
  }
  try {
    return list.map((entry, i) => {
      normalizeClient(entry, `clients[${i}]`);
      return entry as ClientRegistration;
    });
  } catch (error) {
    throw new Error(`Clients file ${path}: ${(error as Error).message}`, { cause: error });
  }
}
