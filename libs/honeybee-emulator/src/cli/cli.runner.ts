import { HoneybeeEmulator } from '../honeybee-emulator.js';
import { maskSecret } from '../server/request.recorder.js';
import type { RecordedRequest } from '../server/request.recorder.js';
import { CLI_USAGE, DEFAULT_CLI_CLIENT, loadClientsFile, parseCliArgs } from './cli.options.js';

/** Where the CLI writes and which signals it listens to (the process, or a fake in tests). */
export interface CliIo {
  /** Standard output. */
  readonly stdout: { write(text: string): unknown };
  /** Source of `SIGINT` / `SIGTERM`. */
  readonly signals: {
    once(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
    off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  };
}

/** A running CLI emulator. */
export interface CliRun {
  /** The emulator, `undefined` when only the help was printed. */
  readonly emulator: HoneybeeEmulator | undefined;
  /** Resolves once a signal stopped the emulator (at once after `--help`). */
  readonly stopped: Promise<void>;
}

/**
 * Starts an emulator from command-line arguments, prints its URLs and clients, and stops it on
 * the first `SIGINT` or `SIGTERM`.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<CliRun> {
  const options = parseCliArgs(argv);
  if (options.help) {
    io.stdout.write(`${CLI_USAGE}\n`);
    return { emulator: undefined, stopped: Promise.resolve() };
  }
  const fromFile = options.clientsFile !== undefined;
  const clients = fromFile ? await loadClientsFile(options.clientsFile!) : [DEFAULT_CLI_CLIENT];
  const emulator = await HoneybeeEmulator.start({
    clients,
    doorkeeper: options.doorkeeper,
    host: options.host,
    port: options.port,
    tokenReuse: options.tokenReuse,
    revokePreviousToken: options.revokePreviousToken,
    ...(options.jwt ? { jwt: { algorithm: options.jwt } } : {}),
  });
  const lines = [
    `Honeybee emulator listening on ${emulator.url}`,
    `  token endpoint:  ${emulator.tokenUrl}`,
    `  token info:      ${emulator.tokenInfoUrl}`,
    `  introspection:   ${emulator.introspectionUrl}`,
    `  revocation:      ${emulator.revocationUrl}`,
    `  JWKS:            ${emulator.jwksUri}`,
    `  metadata:        ${emulator.metadataUrl}`,
    `  Partners API:    ${emulator.apiBaseUrl}`,
    `  access tokens:   ${options.jwt ? `JWT (${options.jwt})` : 'opaque'}`,
    `  answers like:    Doorkeeper ${options.doorkeeper === 'current' ? 'current (6.0)' : options.doorkeeper}`,
    'Registered clients:',
    ...emulator.listClients().map((client) => {
      // The built-in demo client's secret is public (README); secrets from a file are masked.
      const secret = fromFile ? maskSecret(client.clientSecret) : client.clientSecret;
      const scopes = client.scopes.length > 0 ? client.scopes.join(' ') : '(any server scope)';
      return `  - ${client.clientId}  secret: ${secret}  scopes: ${scopes}  lifetime: ${client.tokenLifetimeSeconds}s`;
    }),
    'Press Ctrl+C to stop.',
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  if (options.logRequests) void logRequests(emulator, io.stdout);

  const stopped = new Promise<void>((resolve, reject) => {
    const onSignal = (signal: 'SIGINT' | 'SIGTERM') => () => {
      io.signals.off('SIGINT', handlers.SIGINT);
      io.signals.off('SIGTERM', handlers.SIGTERM);
      io.stdout.write(`Received ${signal}, stopping…\n`);
      emulator.stop().then(() => {
        io.stdout.write('Honeybee emulator stopped.\n');
        resolve();
      }, reject);
    };
    const handlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM') };
    io.signals.once('SIGINT', handlers.SIGINT);
    io.signals.once('SIGTERM', handlers.SIGTERM);
  });
  return { emulator, stopped };
}

/**
 * Prints every request the emulator records, one line each, until it stops, e.g.
 * `#1 token POST /oauth/token client=app` or `#2 api GET /v1/patients/p_1/rx fault=status`.
 * Only what is never secret is printed: no query, header or body value but the client id.
 */
async function logRequests(emulator: HoneybeeEmulator, stdout: CliIo['stdout']): Promise<void> {
  let printed = 0;
  try {
    for (;;) {
      const requests = await emulator.waitForRequests(undefined, printed + 1);
      for (const request of requests.slice(printed)) stdout.write(`${describeRequest(request)}\n`);
      printed = requests.length;
    }
  } catch {
    // stop() rejects the pending wait: the log ends with the emulator.
  }
}

function describeRequest(request: RecordedRequest): string {
  const body = request.body as { client_id?: unknown } | undefined;
  const clientId =
    request.basicClientId ?? (typeof body?.client_id === 'string' ? body.client_id : undefined);
  return [
    `#${request.seq} ${request.endpoint} ${request.method} ${request.path}`,
    // A client id is the caller's input: one line per request, whatever it contains.
    ...(clientId !== undefined ? [`client=${clientId.replace(/[^\x21-\x7e]/g, '?')}`] : []),
    ...(request.fault !== undefined ? [`fault=${request.fault}`] : []),
  ].join(' ');
}
