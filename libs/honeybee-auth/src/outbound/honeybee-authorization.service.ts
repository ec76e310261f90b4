import { Inject, Injectable, Optional } from '@nestjs/common';
import { AxiosHeaders, getAdapter } from 'axios';
import type {
  AxiosAdapter,
  AxiosInstance,
  AxiosRequestConfig,
  InternalAxiosRequestConfig,
} from 'axios';
import { maskToken } from '../common/secret.js';
import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';
import { InjectHoneybeeOptions } from '../options/inject-honeybee-options.decorator.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import { HotCounter } from '../telemetry/hot-counter.js';
import { HoneybeeTelemetry } from '../telemetry/honeybee.telemetry.js';
import { traceReplay } from '../telemetry/replay.trace.js';
import type { ReplayTrace } from '../telemetry/replay.trace.js';
import { WITHHELD_REQUESTS, WithheldReason } from '../telemetry/telemetry.conventions.js';
import {
  conceal,
  guardRedirects,
  lastHopSent,
  recordRedirects,
  responseOf,
  scrubTransport,
  withoutRedirectGuard,
} from './axios-transport.internals.js';
import type { Outcome } from './axios-transport.internals.js';
import type { HoneybeeRequestOptions } from './honeybee-request-options.js';
import { requestOriginOf, requestUrlOf } from './request-origin.js';
import { HoneybeeTokenService } from './token.service.js';

/** The `Accept` axios puts on every request; Honeybee wants exactly `application/json`. */
const AXIOS_DEFAULT_ACCEPT = 'application/json, text/plain, */*';
/** axios's own adapter preference, used when the config names none. */
const DEFAULT_ADAPTERS: NonNullable<AxiosRequestConfig['adapter']> = ['xhr', 'http', 'fetch'];
/** A token masked by this module, as left in a finished request's config: `Bearer abcd…(43)`. */
const MASKED_BEARER = /^Bearer \S{0,4}…\(\d+\)$/;

/** What one authorized request was granted. */
interface Grant {
  /** The allowed origin the token was issued for; the only one it may reach. */
  readonly origin: string;
  /** The request's `honeybee.scopes`, `undefined` for the module's default scopes. */
  readonly scopes: string[] | undefined;
  readonly token: string;
  /** What the origin was computed from (see {@link sameTarget}). */
  readonly target: Target;
}

/** The fields of a request config that decide where it goes (see `requestUrlOf`). */
type Target = Pick<AxiosRequestConfig, 'baseURL' | 'url' | 'allowAbsoluteUrls' | 'socketPath'>;

/**
 * Puts Honeybee authorization on an axios instance you own, for example the one behind an
 * `HttpService` from `HttpModule.register()`. The instance then behaves like
 * `HoneybeeHttpService`: a token only for `allowedOrigins`, never across redirects, one replay
 * after a 401, the token masked in errors.
 *
 * It registers an axios request interceptor (not a Nest `NestInterceptor`: it runs inside
 * axios). For a request whose final origin (after axios resolves `url` against `baseURL`) is in
 * `allowedOrigins`, and that has no `Authorization`, no `auth` and no `honeybee.authorize:
 * false`, it:
 * - sets `Authorization: Bearer <token>` on that request's own headers (never on defaults) and
 *   `Accept: application/json` when the caller set no specific `Accept`;
 * - wraps that request's adapter, which, at dispatch time (after every other interceptor):
 *   drops the token if the request no longer targets the granted origin; drops it on any
 *   redirect that leaves the granted origin; on a 401 that answered our token, invalidates the
 *   token and replays the request once with a fresh one (unless the body is a stream); and
 *   masks the token in the config and hides the raw `http.ClientRequest` of the response or
 *   error handed back, so logging either never prints the token.
 *
 * A finished request's config (`error.config`, `response.config`) can be sent again, as retry
 * helpers do: the masked header and the wrappers are taken off and the request is authorized
 * afresh. What this relies on inside axios and Node is in `axios-transport.internals.ts`.
 *
 * Requests sent without the token because of `allowedOrigins` are counted, and each 401 replay
 * counted and traced (docs/observability.md).
 *
 * @example
 * constructor(http: HttpService, authorization: HoneybeeAuthorization) {
 *   authorization.install(http.axiosRef);
 * }
 */
@Injectable()
export class HoneybeeAuthorization {
  private readonly allowed: ReadonlySet<string>;
  private readonly installed = new WeakMap<AxiosInstance, () => void>();
  private readonly withheld: HotCounter;
  private readonly countRedirect: () => void;

  constructor(
    @InjectHoneybeeOptions() options: ResolvedHoneybeeAuthOptions,
    @Inject(HoneybeeTokenService) private readonly tokens: HoneybeeTokenService,
    @Optional() @Inject(HoneybeeTelemetry) private readonly telemetry?: HoneybeeTelemetry,
  ) {
    this.allowed = new Set(options.allowedOrigins);
    this.withheld = telemetry?.withheldRequests ?? new HotCounter(WITHHELD_REQUESTS);
    this.countRedirect = () => this.withheld.add(WithheldReason.redirect);
  }

  /**
   * Registers the authorization interceptor on `instance` (once: a second call is a no-op) and
   * returns a function that removes it. Never touches `instance.defaults`.
   *
   * With axios's default ordering, request interceptors run in reverse order of registration:
   * install this before interceptors that rewrite `url` or `baseURL` (a rewrite to another
   * origin after the token was attached still loses the token at dispatch time).
   */
  install(instance: AxiosInstance): () => void {
    let uninstall = this.installed.get(instance);
    if (!uninstall) {
      const id = instance.interceptors.request.use(this.onRequest);
      uninstall = () => {
        instance.interceptors.request.eject(id);
        this.installed.delete(instance);
      };
      this.installed.set(instance, uninstall);
    }
    return uninstall;
  }

  /** The `onFulfilled` of the request interceptor. Rejects with {@link HoneybeeTokenError}. */
  private readonly onRequest = async (
    config: InternalAxiosRequestConfig,
  ): Promise<InternalAxiosRequestConfig> => {
    const headers = AxiosHeaders.from(config.headers);
    config.headers = headers;
    // A finished request's config (error.config, response.config) may be sent again, as retry
    // helpers do: take off what this module put on it, then decide afresh. A wrapper whose
    // exchange has not run is another authorization's on this same request (two installed on
    // one instance): it stays, and so does its token.
    if (MASKED_BEARER.test(String(headers.get('authorization') ?? ''))) {
      headers.delete('authorization');
    }
    while (isFinished(config.adapter)) config.adapter = config.adapter[WRAPS];
    const ownRedirectHook = withoutRedirectGuard(config.beforeRedirect);
    if (ownRedirectHook !== config.beforeRedirect) config.beforeRedirect = ownRedirectHook;

    const options: HoneybeeRequestOptions | undefined = config.honeybee;
    if (options?.authorize === false || config.auth) return config;
    if (headers.get('authorization')) return config;
    const url = requestUrlOf(config);
    // A URL with userinfo is sent with Basic credentials by axios: it has its own authorization.
    if (!url || url.username || url.password) return config;
    if (!this.allowed.has(url.origin)) {
      this.withheld.add(WithheldReason.originNotAllowed);
      return config;
    }

    const scopes = options?.scopes;
    if (scopes !== undefined && !Array.isArray(scopes)) {
      throw new HoneybeeTokenError('honeybee.scopes must be an array of scope strings', {
        kind: 'invalid_argument',
      });
    }
    const token = await this.tokens.getAccessToken(scopes);
    headers.set('Authorization', bearer(token));
    const accept = headers.get('accept');
    if (!accept || accept === AXIOS_DEFAULT_ACCEPT) headers.set('Accept', 'application/json');
    config.adapter = this.authorizingAdapter(config.adapter, {
      origin: url.origin,
      scopes: scopes && [...scopes],
      token,
      target: targetOf(config),
    });
    return config;
  };

  /** Wraps the request's adapter; see the class comment for what it adds. */
  private authorizingAdapter(inner: AxiosRequestConfig['adapter'], grant: Grant): AxiosAdapter {
    const adapter: AuthorizingAdapter = async (config) => {
      const headers = config.headers;
      // Interceptors that ran after ours may have pointed the request elsewhere.
      if (!sameTarget(config, grant.target) && requestOriginOf(config) !== grant.origin) {
        if (headers.get('authorization') === bearer(grant.token)) {
          headers.delete('authorization');
          this.withheld.add(WithheldReason.originChanged);
        }
        adapter[FINISHED] = true;
        return getAdapter(inner ?? DEFAULT_ADAPTERS, config)(config);
      }

      let token = grant.token;
      const used = [token];
      const outcomes: Outcome[] = [];
      config.beforeRedirect = guardRedirects(
        config.beforeRedirect,
        grant.origin,
        () => bearer(token),
        this.countRedirect,
      );
      const dispatch = adapterFor(inner, config);
      const send = async (): Promise<Outcome> => {
        let outcome: Outcome;
        try {
          outcome = { response: await dispatch(config) };
        } catch (error) {
          outcome = { error };
        }
        outcomes.push(outcome);
        return outcome;
      };

      try {
        let outcome = await send();
        if (answeredOurToken401(outcome, token)) {
          const replay = traceReplay(this.telemetry);
          outcome = await replay.run(async () => {
            this.tokens.invalidate(token);
            if (!isReplayable(config.data)) return ended(replay, outcome, 'not_replayable');
            let fresh: string;
            try {
              fresh = await this.tokens.getAccessToken(grant.scopes);
            } catch (err) {
              discard(outcome);
              replay.end('token_failed', undefined, err);
              throw err;
            }
            // The same token again would only earn the same 401.
            if (fresh === token) return ended(replay, outcome, 'same_token');
            discard(outcome);
            token = fresh;
            used.push(fresh);
            headers.set('Authorization', bearer(fresh));
            return ended(replay, await send(), 'replayed');
          });
        }
        conceal(outcome);
        if ('error' in outcome) throw outcome.error;
        return outcome.response;
      } finally {
        maskAuthorization(headers, used);
        for (const outcome of outcomes) scrubTransport(outcome, used);
        adapter[FINISHED] = true;
      }
    };
    adapter[WRAPS] = inner;
    return adapter;
  }
}

function targetOf(config: Target): Target {
  const { baseURL, url, allowAbsoluteUrls, socketPath } = config;
  return { baseURL, url, allowAbsoluteUrls, socketPath };
}

/** Whether `config` still has the fields its origin was computed from: the same origin then. */
function sameTarget(config: Target, target: Target): boolean {
  return (
    config.url === target.url &&
    config.baseURL === target.baseURL &&
    config.allowAbsoluteUrls === target.allowAbsoluteUrls &&
    config.socketPath === target.socketPath
  );
}

/** axios's Node `http` adapter. */
const HTTP_ADAPTER = getAdapter('http', undefined);

/**
 * The adapter axios resolves for `config`; any but the `http` adapter (the fetch adapter above
 * all) resolved again after {@link recordRedirects}, which only the fetch adapter needs.
 */
function adapterFor(
  inner: AxiosRequestConfig['adapter'],
  config: InternalAxiosRequestConfig,
): AxiosAdapter {
  const adapter = getAdapter(inner ?? DEFAULT_ADAPTERS, config);
  if (adapter === HTTP_ADAPTER) return adapter;
  recordRedirects(config);
  return getAdapter(inner ?? DEFAULT_ADAPTERS, config);
}

/** Ends `replay` with `result` and the status of `outcome`'s answer; returns `outcome`. */
function ended(
  replay: ReplayTrace,
  outcome: Outcome,
  result: 'replayed' | 'not_replayable' | 'same_token',
): Outcome {
  replay.end(result, responseOf(outcome)?.status);
  return outcome;
}

/**
 * On an adapter installed by {@link HoneybeeAuthorization}: the request's own adapter it wraps
 * (`WRAPS`), and whether its exchange is over or was sent elsewhere (`FINISHED`: a config that
 * holds it is being sent again). Properties of the adapter, not WeakMap entries: one per
 * request would be an ephemeron for every GC to process.
 */
const WRAPS = Symbol('honeybee-auth:wraps');
const FINISHED = Symbol('honeybee-auth:finished');
type AuthorizingAdapter = AxiosAdapter & {
  [WRAPS]?: AxiosRequestConfig['adapter'];
  [FINISHED]?: true;
};

function isFinished(adapter: unknown): adapter is AuthorizingAdapter {
  return typeof adapter === 'function' && (adapter as AuthorizingAdapter)[FINISHED] === true;
}

function bearer(token: string): string {
  return `Bearer ${token}`;
}

/**
 * A 401 from a hop that provably carried our token ({@link lastHopSent}); only then is the
 * token invalidated and the request replayed. After a redirect that dropped the token, or went
 * elsewhere, a 401 says nothing about it, and burning the token would only cost a token request
 * (and, with Honeybee's *revoke previous token*, every other replica's token).
 */
function answeredOurToken401(outcome: Outcome, token: string): boolean {
  const response = responseOf(outcome);
  return response?.status === 401 && lastHopSent(response, bearer(token));
}

/** A body that can be sent twice: anything but a stream (already consumed by the first try). */
function isReplayable(data: unknown): boolean {
  if (data === null || typeof data !== 'object') return true;
  if (typeof (data as { pipe?: unknown }).pipe === 'function') return false;
  if (typeof ReadableStream !== 'undefined' && data instanceof ReadableStream) return false;
  return !(Symbol.asyncIterator in data);
}

/** Releases the socket of a response we will not hand back (a `responseType: 'stream'` body). */
function discard(outcome: Outcome): void {
  const data = responseOf(outcome)?.data as { destroy?: () => void } | undefined;
  if (data && typeof data.destroy === 'function') data.destroy();
}

/** Replaces the token we sent by its mask, e.g. `Bearer abcd…(43)`, once the exchange is over. */
function maskAuthorization(headers: AxiosHeaders, tokens: readonly string[]): void {
  const sent = headers.get('authorization');
  const token = tokens.find((t) => sent === bearer(t));
  if (token) headers.set('Authorization', bearer(maskToken(token)));
}
