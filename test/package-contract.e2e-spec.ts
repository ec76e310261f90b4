/**
 * The packages' contract as users meet it, checked from the sources: each entry point exports
 * exactly the documented names (nothing leaks by accident), and an entry loads only Node
 * built-ins, its `dependencies` and its required peers, so an optional peer (ioredis,
 * @nestjs/terminus) is loaded only by the sub-path that needs it, or on demand with a dynamic
 * `import()` (@opentelemetry/api, the WebSocket and microservice packages). The built tarballs
 * are checked by `npm run test:consumer`.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as auth from 'nestjs-honeybee-auth';
import * as redis from 'nestjs-honeybee-auth/redis';
import * as terminus from 'nestjs-honeybee-auth/terminus';
import * as emulator from 'honeybee-emulator';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Manifest {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** A package's manifest and the packages it may load from any entry without an install step. */
function packageAt(dir: string): { manifest: Manifest; required: Set<string> } {
  const manifest = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Manifest;
  const peers = Object.keys(manifest.peerDependencies ?? {});
  const optional = (name: string) => manifest.peerDependenciesMeta?.[name]?.optional === true;
  return {
    manifest,
    required: new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...peers.filter((name) => !optional(name)),
    ]),
  };
}

/**
 * Every bare (package) specifier loaded at run time from `entry`, following relative imports;
 * with `dynamic`, those loaded on demand with `import('…')` instead.
 */
function packagesLoadedFrom(entry: string, dynamic = false): string[] {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    // `import type` / `export type` vanish at compile time and load nothing.
    const specifiers = [
      ...source.matchAll(/^\s*(?:import|export)(?!\s+type\b)[^'"]*?from\s+'([^']+)'/gm),
      ...source.matchAll(/^\s*import\s+'([^']+)'/gm),
    ].map((match) => match[1]!);
    for (const spec of specifiers) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!dynamic) packages.add(spec);
    }
    if (dynamic) {
      for (const [, spec] of source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) packages.add(spec!);
    }
  };
  visit(join(ROOT, entry));
  return [...packages].sort();
}

const outside = (loaded: string[], allowed: Set<string>) =>
  loaded.filter((name) => !name.startsWith('node:') && !allowed.has(name));

describe('nestjs-honeybee-auth', () => {
  const { required } = packageAt('libs/honeybee-auth');

  it('"." exports exactly the documented names', () => {
    expect(Object.keys(auth).sort()).toEqual([
      'CurrentPrincipal',
      'DEFAULT_API_BASE_URL',
      'DEFAULT_TOKEN_URL',
      'HONEYBEE_CLOCK',
      'HONEYBEE_PRINCIPAL_PROPERTY',
      'HONEYBEE_TOKEN_VERIFIER',
      'HONEYBEE_WEBHOOK_SECRET_HEADER',
      'HoneybeeAuthModule',
      'HoneybeeAuthorization',
      'HoneybeeBadRequestException',
      'HoneybeeConfigError',
      'HoneybeeForbiddenException',
      'HoneybeeHttpService',
      'HoneybeeServiceUnavailableException',
      'HoneybeeTokenError',
      'HoneybeeTokenService',
      'HoneybeeUnauthorizedException',
      'HoneybeeVerifierUnavailableError',
      'HoneybeeWebhookGuard',
      'IS_PUBLIC_KEY',
      'MemoryTokenStore',
      'PUBLIC_KEY',
      'Public',
      'REQUIRED_ANY_SCOPE_KEY',
      'REQUIRED_SCOPES_KEY',
      'RequireAnyScope',
      'RequireScopes',
      'ScopesGuard',
      'VerificationCache',
      'rememberHandshake',
      'requestIdOf',
      'retryAfterOf',
      'systemClock',
    ]);
  });

  it('"./redis" exports exactly RedisTokenStore', () => {
    expect(Object.keys(redis)).toEqual(['RedisTokenStore']);
  });

  it('"./terminus" exports exactly HoneybeeHealthIndicator', () => {
    expect(Object.keys(terminus)).toEqual(['HoneybeeHealthIndicator']);
  });

  it('"." loads only Node built-ins, dependencies and required peers (never ioredis, Terminus or OpenTelemetry)', () => {
    const loaded = packagesLoadedFrom('libs/honeybee-auth/src/index.ts');
    expect(outside(loaded, required)).toEqual([]);
    for (const optional of ['ioredis', '@nestjs/terminus', '@opentelemetry/api']) {
      expect(loaded).not.toContain(optional);
    }
  });

  it('"." loads optional peers on demand only, each one declared as such', () => {
    const { manifest } = packageAt('libs/honeybee-auth');
    const onDemand = packagesLoadedFrom('libs/honeybee-auth/src/index.ts', true);
    expect(onDemand).toEqual(['@nestjs/microservices', '@nestjs/websockets', '@opentelemetry/api']);
    for (const name of onDemand) {
      expect(manifest.peerDependenciesMeta?.[name]?.optional).toBe(true);
    }
  });

  it('"./terminus" is where @nestjs/terminus (an optional peer) is loaded', () => {
    const loaded = packagesLoadedFrom('libs/honeybee-auth/src/terminus.ts');
    expect(outside(loaded, new Set([...required, '@nestjs/terminus']))).toEqual([]);
    expect(loaded).toContain('@nestjs/terminus');
  });

  it('"./redis" is where ioredis (an optional peer) is loaded', () => {
    const loaded = packagesLoadedFrom('libs/honeybee-auth/src/redis.ts');
    expect(outside(loaded, new Set([...required, 'ioredis']))).toEqual([]);
    expect(loaded).toContain('ioredis');
  });
});

describe('honeybee-emulator', () => {
  const { manifest, required } = packageAt('libs/honeybee-emulator');

  it('exports exactly the documented runtime values', () => {
    expect(Object.keys(emulator).sort()).toEqual([
      'DEFAULT_API_SCOPES',
      'DEFAULT_JWT_AUDIENCE',
      'DEFAULT_MAX_BODY_BYTES',
      'DEFAULT_PATIENTS',
      'DEFAULT_TOKEN_LIFETIME_SECONDS',
      'DOORKEEPER_VERSIONS',
      'FAULT_ENDPOINTS',
      'HoneybeeEmulator',
      'HoneybeeEmulatorError',
      'ManualClock',
      'htmlProxyErrorFault',
      'maskSecret',
      'oauthErrorFault',
      'systemClock',
    ]);
  });

  it('is framework-free: its entry and its CLI load only Node built-ins and dependencies', () => {
    expect(manifest.peerDependencies).toBeUndefined();
    for (const entry of ['src/index.ts', 'src/cli.ts']) {
      expect(outside(packagesLoadedFrom(join('libs/honeybee-emulator', entry)), required)).toEqual(
        [],
      );
    }
  });
});
