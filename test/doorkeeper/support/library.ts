import { Controller, Get } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import {
  CurrentPrincipal,
  HoneybeeAuthModule,
  HoneybeeHttpService,
  HoneybeeTokenError,
  HoneybeeTokenService,
  RequireScopes,
  ScopesGuard,
} from 'nestjs-honeybee-auth';
import type { HoneybeeAuthModuleOptions, HoneybeePrincipal } from 'nestjs-honeybee-auth';
import { CapturingLogger } from '../../../libs/honeybee-auth/src/testing/capturing-logger.js';
import { call } from '../../fixtures/inbound/http-call.js';
import { startApp } from '../../fixtures/inbound/start-app.js';
import type { TestApp } from '../../fixtures/inbound/start-app.js';
import { FORM, form, sendRaw } from './answers.js';
import { tokenRequest } from './protocol-scenarios.js';
import { client } from './targets.js';
import type { DoorkeeperTarget } from './targets.js';

/** Module options pointing at a target, as a partner configures them (loopback opt-in aside). */
export function optionsFor(
  target: DoorkeeperTarget,
  clientId: string,
  over: Partial<HoneybeeAuthModuleOptions> = {},
): HoneybeeAuthModuleOptions {
  return {
    ...client(clientId),
    tokenUrl: `${target.url}/oauth/token`,
    apiBaseUrl: `${target.url}/v1`,
    allowInsecureLoopback: true,
    retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 50 },
    tokenRequestTimeoutMs: 5000,
    ...over,
  };
}

/** The outbound side of one module instance (one replica). */
export interface OutboundModule {
  readonly tokens: HoneybeeTokenService;
  readonly http: HoneybeeHttpService;
  readonly logger: CapturingLogger;
  close(): Promise<void>;
}

/** Compiles `HoneybeeAuthModule.forRoot(options)` and hands out its outbound services. */
export async function outboundModule(options: HoneybeeAuthModuleOptions): Promise<OutboundModule> {
  const logger = new CapturingLogger();
  const builder = Test.createTestingModule({ imports: [HoneybeeAuthModule.forRoot(options)] });
  builder.setLogger(logger);
  const moduleRef = await builder.compile();
  await moduleRef.init();
  return {
    tokens: moduleRef.get(HoneybeeTokenService),
    http: moduleRef.get(HoneybeeHttpService),
    logger,
    close: () => moduleRef.close(),
  };
}

/** A failure reduced to what a caller acts on (never the message, which names ports). */
export function failureOf(err: unknown): Record<string, unknown> {
  if (err instanceof HoneybeeTokenError) {
    return {
      class: 'HoneybeeTokenError',
      kind: err.kind,
      error: err.error,
      status: err.status,
      retryable: err.retryable,
      attempts: err.attempts,
    };
  }
  const response = (err as { response?: { status?: number; headers?: Record<string, unknown> } })
    ?.response;
  if (response) {
    return {
      class: 'AxiosError',
      status: response.status,
      challenge: response.headers?.['www-authenticate'] ?? null,
    };
  }
  return { class: (err as Error)?.constructor?.name ?? typeof err, message: String(err) };
}

/** The route a partner's own API guards with Honeybee tokens. */
@Controller('prescriptions')
export class PrescriptionsController {
  @Get()
  @RequireScopes('prescriptions:read')
  list(@CurrentPrincipal() principal: HoneybeePrincipal) {
    return { clientId: principal.clientId, scopes: principal.scopes };
  }
}

/**
 * A partner application protected by `ScopesGuard` (registered as `APP_GUARD`), checking tokens
 * at the target with the given verifier; the verdict cache is off, so every request reaches the
 * server.
 */
export async function guardedApp(
  target: DoorkeeperTarget,
  verifier: 'token-info' | 'introspection',
): Promise<TestApp> {
  return startApp('express', {
    imports: [
      HoneybeeAuthModule.forRoot(
        optionsFor(target, 'partner-app', {
          inbound: {
            verifier,
            allowedClientIds: ['partner-app'],
            verifyTimeoutMs: 2000,
            retryAfterSeconds: 3,
            cache: { maxAgeSeconds: 0, negativeTtlSeconds: 0 },
          },
        }),
      ),
    ],
    controllers: [PrescriptionsController],
    providers: [{ provide: APP_GUARD, useClass: ScopesGuard }],
  });
}

/** One request to a guarded app with a Bearer token, reduced to what its caller sees. */
export async function guardedCall(
  app: TestApp,
  token: string | undefined,
): Promise<{ status: number; challenge: string | null; retryAfter: string | null; body: unknown }> {
  const answer = await call(`${app.url}/prescriptions`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const header = (name: string): string | null => {
    const value = answer.headers[name];
    return value === undefined ? null : String(value);
  };
  return {
    status: answer.status,
    challenge: header('www-authenticate'),
    retryAfter: header('retry-after'),
    body: answer.json ?? answer.text,
  };
}

/** A token straight from the target's token endpoint (`client_secret_post`). */
export async function issueToken(
  target: DoorkeeperTarget,
  clientId: string,
  scope: string,
): Promise<string> {
  const answer = await sendRaw(target.url, tokenRequest(clientId, scope));
  const token = (JSON.parse(answer.text) as { access_token?: string }).access_token;
  if (answer.status !== 200 || !token) throw new Error(`no token: ${answer.status}`);
  return token;
}

/** Revokes a token at the target's revocation endpoint, as its client. */
export async function revokeToken(
  target: DoorkeeperTarget,
  clientId: string,
  token: string,
): Promise<void> {
  const answer = await sendRaw(target.url, {
    method: 'POST',
    path: '/oauth/revoke',
    headers: FORM,
    body: form({ token, client_id: clientId, client_secret: client(clientId).clientSecret }),
  });
  if (answer.status !== 200) throw new Error(`revocation answered ${answer.status}`);
}

/** What the target's token info says of a token: its scopes, or its status when refused. */
export async function tokenInfoOf(
  target: DoorkeeperTarget,
  token: string,
): Promise<{ status: number; scope?: unknown; clientId?: unknown }> {
  const answer = await sendRaw(target.url, {
    path: '/oauth/token/info',
    headers: { authorization: `Bearer ${token}` },
  });
  if (answer.status !== 200) return { status: answer.status };
  const body = JSON.parse(answer.text) as { scope: unknown; application: { uid: unknown } };
  return { status: 200, scope: body.scope, clientId: body.application.uid };
}
