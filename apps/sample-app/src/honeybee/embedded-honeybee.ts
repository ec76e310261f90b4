import { Logger } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { HoneybeeEmulator } from 'honeybee-emulator';
import type { Clock } from 'honeybee-emulator';

/** DI token of the emulator's clock (tests replace it with the module's fake clock). */
export const EMULATOR_CLOCK = Symbol('sample-app:emulator-clock');

/** A demo caller registered in the embedded emulator: it gets tokens there and calls the app. */
export interface DemoCaller {
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

/** The callers `npm start` prints; each one's secret is `<id>-secret`. */
export const DEMO_CALLERS: readonly DemoCaller[] = Object.freeze([
  { clientId: 'demo-reader', clientSecret: 'demo-reader-secret', scopes: ['prescriptions:read'] },
  {
    clientId: 'demo-writer',
    clientSecret: 'demo-writer-secret',
    scopes: ['prescriptions:read', 'orders:write'],
  },
]);

/** The client id of the app's own (outbound) client in the embedded emulator. */
export const SAMPLE_APP_CLIENT_ID = 'sample-app';

/** What the embedded emulator should look like. */
export interface EmbeddedHoneybeeOptions {
  /** Lifetime of the app's own tokens, in seconds. @default 43200 */
  tokenLifetimeSeconds?: number;
  /** The webhook secret; a random one is made when absent. */
  webhookSecret?: string;
}

/**
 * The Honeybee emulator `npm start` runs when no credentials are configured: a provider whose
 * value is a started emulator, stopped in `onApplicationShutdown` (after the HTTP server has
 * closed and the token service has aborted its requests), so `app.close()`, SIGINT and SIGTERM
 * all stop it.
 *
 * The app's own client gets a fresh random secret at every start: nothing outside this process
 * needs it. The demo callers' secrets are fixed, for copy-paste.
 */
export class EmbeddedHoneybee implements OnApplicationShutdown {
  private readonly logger = new Logger('EmbeddedHoneybee');

  private constructor(
    /** The running emulator (for tests: faults, revocations, recorded requests). */
    readonly emulator: HoneybeeEmulator,
    /** The app's own client, used by `HoneybeeAuthModule`. */
    readonly appClient: { clientId: string; clientSecret: string },
    /** The secret the app expects on webhooks, and the printed `curl` sends. */
    readonly webhookSecret: string,
  ) {}

  /** Starts an emulator on 127.0.0.1 and a free port with the app's client and the demo callers. */
  static async start(options: EmbeddedHoneybeeOptions, clock: Clock): Promise<EmbeddedHoneybee> {
    const appClient = {
      clientId: SAMPLE_APP_CLIENT_ID,
      clientSecret: randomBytes(24).toString('base64url'),
    };
    const emulator = await HoneybeeEmulator.start({
      clock,
      clients: [
        {
          ...appClient,
          scopes: ['prescriptions:read', 'orders:write'],
          tokenLifetimeSeconds: options.tokenLifetimeSeconds,
        },
        // A token request without `scope` gets all of a demo caller's scopes (Doorkeeper's
        // default scopes), so the printed curl commands stay short.
        ...DEMO_CALLERS.map((caller) => ({
          ...caller,
          scopes: [...caller.scopes],
          defaultScopes: [...caller.scopes],
        })),
      ],
    });
    const webhookSecret = options.webhookSecret ?? `whsec-${randomBytes(12).toString('hex')}`;
    const embedded = new EmbeddedHoneybee(emulator, appClient, webhookSecret);
    embedded.logger.log(`Honeybee emulator listening on ${emulator.url}`);
    return embedded;
  }

  /** @inheritDoc */
  async onApplicationShutdown(): Promise<void> {
    await this.emulator.stop();
    this.logger.log('Honeybee emulator stopped');
  }
}
