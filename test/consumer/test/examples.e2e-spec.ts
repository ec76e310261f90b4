import type { Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  HONEYBEE_TOKEN_VERIFIER,
  HoneybeeHttpService,
} from 'nestjs-honeybee-auth';
import type { TokenVerifier } from 'nestjs-honeybee-auth';

// The examples read their credentials from the environment when they are imported.
Object.assign(process.env, {
  HONEYBEE_CLIENT_ID: 'example-app',
  HONEYBEE_CLIENT_SECRET: 'example-app-secret',
  HB_CLIENT_ID: 'example-app',
  HB_CLIENT_SECRET: 'example-app-secret',
  HB_WEBHOOK_SECRET: 'example-webhook-secret',
});

/** Starts `module` as an application, hands it to `check`, and closes it. */
async function started(
  module: Type,
  check: (app: { get<T>(token: Type<T> | symbol): T }) => unknown = () => {},
): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [module],
  }).compile();
  const app = moduleRef.createNestApplication();
  await app.init();
  try {
    await check({ get: (token) => app.get(token, { strict: false }) });
  } finally {
    await app.close();
  }
}

/** What a class got injected by type (decorator metadata), read from its private field. */
const injected = (instance: object, field: string): unknown =>
  (instance as Record<string, unknown>)[field];

// The documentation quotes these files; each one must start as it is shown, not only compile.
// (redis-token-store.ts needs a Redis server; it is type-checked only.)
describe('the documentation examples (src/examples)', () => {
  it('register-for-root.ts', async () => {
    await started(
      (await import('../src/examples/register-for-root.js')).AppModule,
    );
  });

  it('register-for-root-async.ts', async () => {
    await started(
      (await import('../src/examples/register-for-root-async.js')).AppModule,
    );
  });

  it('quick-start-outbound.ts: the client gets HoneybeeHttpService', async () => {
    const example = await import('../src/examples/quick-start-outbound.js');
    await started(example.PrescriptionsModule, (app) => {
      const client = app.get(example.PrescriptionsClient);
      expect(injected(client, 'honeybee')).toBeInstanceOf(HoneybeeHttpService);
    });
  });

  it('call-honeybee.ts: the client gets HoneybeeHttpService', async () => {
    const example = await import('../src/examples/call-honeybee.js');
    await started(example.OrdersModule, (app) => {
      const client = app.get(example.OrdersClient);
      expect(injected(client, 'honeybee')).toBeInstanceOf(HoneybeeHttpService);
    });
  });

  it('own-http-module.ts: the authorization is installed on your HttpService', async () => {
    const example = await import('../src/examples/own-http-module.js');
    await started(example.PrescriptionsModule);
  });

  it('protect-routes.ts', async () => {
    await started(
      (await import('../src/examples/protect-routes.js')).AppModule,
    );
  });

  it('custom-verifier.ts: the verifier gets its repository from the imports', async () => {
    const example = await import('../src/examples/custom-verifier.js');
    await started(example.AppModule, async (app) => {
      const verifier = app.get<TokenVerifier>(HONEYBEE_TOKEN_VERIFIER);
      expect(verifier).toBeInstanceOf(example.MyVerifier);
      expect(await verifier.verify('known')).toEqual({
        clientId: 'partner',
        scopes: ['rx:read'],
      });
      expect(await verifier.verify('unknown')).toBeNull();
    });
  });

  it('emulator-in-a-test.ts: a token through one failed attempt', async () => {
    const example = await import('../src/examples/emulator-in-a-test.js');
    expect(await example.tokenThroughAFault()).toMatch(/^[\w-]{43}$/);
  });
});
