import { readFileSync } from 'node:fs';
import { HoneybeeEmulator } from 'honeybee-emulator';
import type { ClientRegistration, Clock, DoorkeeperVersion, PatientSeed } from 'honeybee-emulator';
import {
  DOORKEEPER_CLIENTS_FILE,
  DOORKEEPER_PATIENTS_FILE,
  DoorkeeperServer,
} from './doorkeeper-server.js';
import type { DoorkeeperSwitches } from './doorkeeper-server.js';

/** The applications both servers know (`test/doorkeeper/server/clients.json`). */
export const CLIENTS: readonly ClientRegistration[] = (
  JSON.parse(readFileSync(DOORKEEPER_CLIENTS_FILE, 'utf8')) as { clients: ClientRegistration[] }
).clients;

/** The patients both servers know (`test/doorkeeper/server/patients.json`). */
export const PATIENTS: readonly PatientSeed[] = (
  JSON.parse(readFileSync(DOORKEEPER_PATIENTS_FILE, 'utf8')) as { patients: PatientSeed[] }
).patients;

/** Credentials of a seeded application, by client id. */
export function client(clientId: string): { clientId: string; clientSecret: string } {
  const found = CLIENTS.find((c) => c.clientId === clientId);
  if (!found) throw new Error(`no seeded client ${clientId}`);
  return { clientId: found.clientId, clientSecret: found.clientSecret };
}

/** The server scopes (Doorkeeper's optional scopes in the Ruby app). */
export const SERVER_SCOPES = ['prescriptions:read', 'orders:write'];

/**
 * A Doorkeeper-shaped authorization server under test: the real one or the emulator. Both are
 * driven the same way, so one scenario runs against each and their answers can be compared.
 */
export interface DoorkeeperTarget {
  /** `real` (Debian's Doorkeeper) or `emulator` (with a Doorkeeper profile). */
  readonly name: string;
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The server's notion of now, epoch ms (the emulator's clock may run ahead after `age`). */
  now(): number;
  /** Token reuse and revoke-previous. */
  configure(switches: DoorkeeperSwitches): Promise<void>;
  /** Forgets every token and turns both switches off. */
  reset(): Promise<void>;
  /** Every existing token becomes `seconds` older. */
  age(seconds: number): Promise<void>;
  /** Stops answering (connections are refused). */
  stop(): Promise<void>;
  /** Answers again on the same port. */
  restart(): Promise<void>;
  /** Stops for good and frees everything. */
  dispose(): Promise<void>;
}

/** The real Doorkeeper 5.5 (Debian's `ruby-doorkeeper`). */
export async function startRealDoorkeeper(): Promise<DoorkeeperTarget & { versions: object }> {
  const server = await DoorkeeperServer.start();
  return {
    name: 'real',
    url: server.url,
    versions: server.versions,
    now: () => Date.now(),
    configure: (switches) => server.configure(switches),
    reset: async () => {
      await server.reset();
      await server.configure({ reuseAccessToken: false, revokePrevious: false });
    },
    age: (seconds) => server.age(seconds),
    stop: () => server.stop(),
    restart: () => server.restart(),
    dispose: () => server.dispose(),
  };
}

/** A wall clock that can be pushed ahead: what "ageing every token" means to the emulator. */
class AheadClock implements Clock {
  aheadMs = 0;
  now(): number {
    return Date.now() + this.aheadMs;
  }
}

/** The emulator with a Doorkeeper profile, the same clients and the same patients. */
export async function startEmulatedDoorkeeper(
  doorkeeper: DoorkeeperVersion,
): Promise<DoorkeeperTarget & { emulator(): HoneybeeEmulator }> {
  const clock = new AheadClock();
  const options = {
    doorkeeper,
    clients: CLIENTS,
    patients: PATIENTS,
    scopes: SERVER_SCOPES,
    clock,
    api: { accept: 'lenient' as const },
  };
  let emu = await HoneybeeEmulator.start(options);
  const port = emu.port;
  let running = true;
  return {
    name: `emulator ${doorkeeper}`,
    url: emu.url,
    emulator: () => emu,
    now: () => clock.now(),
    configure: async (switches) => {
      emu.configure({
        ...(switches.reuseAccessToken !== undefined
          ? { tokenReuse: switches.reuseAccessToken }
          : {}),
        ...(switches.revokePrevious !== undefined
          ? { revokePreviousToken: switches.revokePrevious }
          : {}),
      });
    },
    reset: async () => {
      emu.reset();
      emu.configure({ tokenReuse: false, revokePreviousToken: false });
    },
    age: async (seconds) => {
      clock.aheadMs += seconds * 1000;
    },
    stop: async () => {
      running = false;
      await emu.stop();
    },
    restart: async () => {
      if (running) await emu.stop();
      emu = await HoneybeeEmulator.start({ ...options, port });
      running = true;
    },
    dispose: () => emu.stop(),
  };
}
