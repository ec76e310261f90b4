import { AxiosHeaders, getAdapter, isAxiosError } from 'axios';
import type {
  AxiosAdapter,
  AxiosInstance,
  AxiosRequestConfig,
  AxiosResponse,
  InternalAxiosRequestConfig,
} from 'axios';
import { maskToken } from '../common/secret.js';
import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';
import type { HoneybeeRequestOptions } from './honeybee-request-options.js';
import { requestOriginOf, requestUrlOf } from './request-origin.js';
import type { HoneybeeTokenService } from './token.service.js';

/** The `Accept` axios puts on every request; Honeybee wants exactly `application/json`. */
const AXIOS_DEFAULT_ACCEPT = 'application/json, text/plain, */*';
/** axios's own adapter preference, used when the config names none. */
const DEFAULT_ADAPTERS: NonNullable<AxiosRequestConfig['adapter']> = ['xhr', 'http', 'fetch'];

/** A token masked by this module, as left in a finished request's config: `Bearer abcd…(43)`. */
const MASKED_BEARER = /^Bearer \S{0,4}…\(\d+\)$/;
/** The per-request wrappers this module installed (adapter, `beforeRedirect`) → what they wrap. */
const wrapped = new WeakMap<object, unknown>();
/**
 * What the fetch adapter's `fetch` answered, per `Request` it was given (axios puts that
 * `Request` on the response and the error as `.request`): whether redirects were followed.
 */
const fetched = new WeakMap<object, { readonly redirected: boolean }>();

/** What one authorized request was granted. */
interface Grant {
  /** The allowed origin the token was issued for; the only one it may reach. */
  readonly origin: string;
  /** The request's `honeybee.scopes`, `undefined` for the module's default scopes. */
  readonly scopes: string[] | undefined;
  readonly token: string;
}

/** The result of one adapter call, kept whole so it can be inspected before it is settled. */
type Outcome = { response: AxiosResponse } | { error: unknown };

/**
 * The axios request interceptor that puts a Honeybee Bearer token on requests bound for an
 * allowed origin, and nowhere else. Not a Nest `NestInterceptor`: it runs inside axios.
 *
 * For a request whose final origin (after axios resolves `url` against `baseURL`) is in
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
 * afresh.
 *
 * Install it with `HoneybeeAuthorization.install(instance)` rather than by hand.
 */
export class HoneybeeAuthorizationAxiosInterceptor {
  private readonly allowed: ReadonlySet<string>;

  constructor(
    private readonly tokens: HoneybeeTokenService,
    allowedOrigins: readonly string[],
  ) {
    this.allowed = new Set(allowedOrigins);
  }

  /**
   * Registers the interceptor on `instance` and returns a function that removes it.
   * With axios's default ordering, request interceptors run in reverse order of registration:
   * install this one before any interceptor that rewrites `url` or `baseURL`.
   */
  install(instance: AxiosInstance): () => void {
    const id = instance.interceptors.request.use(this.onRequest);
    return () => instance.interceptors.request.eject(id);
  }

  /** The `onFulfilled` of the request interceptor. Rejects with {@link HoneybeeTokenError}. */
  readonly onRequest = async (
    config: InternalAxiosRequestConfig,
  ): Promise<InternalAxiosRequestConfig> => {
    const headers = AxiosHeaders.from(config.headers);
    config.headers = headers;
    // A finished request's config (error.config, response.config) may be sent again, as retry
    // helpers do: take off what this module put on it, then decide afresh.
    if (MASKED_BEARER.test(String(headers.get('authorization') ?? ''))) {
      headers.delete('authorization');
    }
    if (wrapped.has(config.adapter as object)) config.adapter = unwrap(config.adapter);
    if (wrapped.has(config.beforeRedirect as object)) {
      config.beforeRedirect = unwrap(config.beforeRedirect);
    }

    const options: HoneybeeRequestOptions | undefined = config.honeybee;
    if (options?.authorize === false || config.auth) return config;
    if (headers.get('authorization')) return config;
    const url = requestUrlOf(config);
    // A URL with userinfo is sent with Basic credentials by axios: it has its own authorization.
    if (!url || url.username || url.password || !this.allowed.has(url.origin)) return config;

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
    });
    return config;
  };

  /** Wraps the request's adapter; see the class comment for what it adds. */
  private authorizingAdapter(inner: AxiosRequestConfig['adapter'], grant: Grant): AxiosAdapter {
    const adapter: AxiosAdapter = async (config) => {
      const headers = config.headers;
      // Interceptors that ran after ours may have pointed the request elsewhere.
      if (requestOriginOf(config) !== grant.origin) {
        if (headers.get('authorization') === bearer(grant.token)) headers.delete('authorization');
        return getAdapter(inner ?? DEFAULT_ADAPTERS, config)(config);
      }

      let token = grant.token;
      const used = [token];
      const outcomes: Outcome[] = [];
      config.beforeRedirect = guardRedirects(config.beforeRedirect, grant.origin, () => token);
      // Set before the adapter is resolved: the fetch adapter is built for the env's fetch.
      config.env = { ...config.env, fetch: recordingFetch(config.env?.fetch) };
      const dispatch = getAdapter(inner ?? DEFAULT_ADAPTERS, config);
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
          this.tokens.invalidate(token);
          if (isReplayable(config.data)) {
            let fresh: string;
            try {
              fresh = await this.tokens.getAccessToken(grant.scopes);
            } catch (err) {
              discard(outcome);
              throw err;
            }
            // The same token again would only earn the same 401.
            if (fresh !== token) {
              discard(outcome);
              token = fresh;
              used.push(fresh);
              headers.set('Authorization', bearer(fresh));
              outcome = await send();
            }
          }
        }
        conceal(outcome);
        if ('error' in outcome) throw outcome.error;
        return outcome.response;
      } finally {
        maskAuthorization(headers, used);
        for (const outcome of outcomes) scrubTransport(outcome, used);
      }
    };
    wrapped.set(adapter, inner);
    return adapter;
  }
}

function bearer(token: string): string {
  return `Bearer ${token}`;
}

/**
 * A `beforeRedirect` (follow-redirects, through axios's Node adapter) that removes our token
 * when a redirect leaves the granted origin, after the caller's own hook ran. axios and
 * follow-redirects strip `Authorization` on some host changes already, with rules that differ
 * between versions (follow-redirects keeps it for subdomains and `http:`→`https:`); this one
 * does not depend on them.
 */
function guardRedirects(
  userHook: AxiosRequestConfig['beforeRedirect'],
  origin: string,
  currentToken: () => string,
): NonNullable<AxiosRequestConfig['beforeRedirect']> {
  const guard: NonNullable<AxiosRequestConfig['beforeRedirect']> = (
    options,
    responseDetails,
    requestDetails,
  ) => {
    userHook?.(options, responseDetails, requestDetails);
    let target: string | undefined;
    try {
      target = new URL(String(options.href)).origin;
    } catch {
      target = undefined;
    }
    if (target === origin) return;
    const headers = options.headers as Record<string, unknown> | undefined;
    for (const name of Object.keys(headers ?? {})) {
      if (name.toLowerCase() === 'authorization' && headers?.[name] === bearer(currentToken())) {
        delete headers[name];
      }
    }
  };
  wrapped.set(guard, userHook);
  return guard;
}

/** What a wrapper of this module wrapped (through any number of layers). */
function unwrap<T>(value: T): T {
  let current: unknown = value;
  while (typeof current === 'function' && wrapped.has(current)) current = wrapped.get(current);
  return current as T;
}

/**
 * A 401 from a hop that provably carried our token; only then is the token invalidated and the
 * request replayed. After a redirect that dropped the token, or went elsewhere, a 401 says
 * nothing about it, and burning the token would only cost a token request (and, with
 * Honeybee's *revoke previous token*, every other replica's token).
 *
 * - `http` adapter: `response.request` is the last hop's `http.ClientRequest`: it must have
 *   sent exactly our `Authorization`;
 * - `fetch` adapter: `response.request` is the `Request` handed to `fetch`; fetch tells only
 *   whether redirects were followed, not where, so the 401 counts only when none was and the
 *   `Request` carried our `Authorization`;
 * - any other adapter: no proof, so no invalidation and no replay.
 */
function answeredOurToken401(outcome: Outcome, token: string): boolean {
  const response = 'response' in outcome ? outcome.response : responseOf(outcome.error);
  if (response?.status !== 401) return false;
  const lastHop = response.request as
    | { getHeader?: (name: string) => unknown; headers?: { get?: (name: string) => unknown } }
    | undefined;
  if (lastHop === null || typeof lastHop !== 'object') return false;
  if (typeof lastHop.getHeader === 'function') {
    return lastHop.getHeader('authorization') === bearer(token);
  }
  const fetchedAnswer = fetched.get(lastHop);
  return (
    fetchedAnswer !== undefined &&
    !fetchedAnswer.redirected &&
    typeof lastHop.headers?.get === 'function' &&
    lastHop.headers.get('authorization') === bearer(token)
  );
}

/** One recording wrapper per `fetch` (axios caches a fetch adapter per `fetch` function). */
const recorders = new WeakMap<object, typeof fetch>();
/** The wrapper of the global `fetch`, looked up at call time (so a replaced global is used). */
const recordingGlobalFetch: typeof fetch = async (input, init) => {
  const response = await globalThis.fetch(input, init);
  record(input, response);
  return response;
};

/**
 * `fetch` (the env's, else the global one) wrapped to remember, per `Request`, whether the
 * answer came after redirects (see {@link answeredOurToken401}). Stable per wrapped function, so
 * axios's per-`fetch` adapter cache does not grow with every request.
 */
function recordingFetch(inner: unknown): typeof fetch {
  if (typeof inner !== 'function') return recordingGlobalFetch;
  if (inner === recordingGlobalFetch || wrapped.has(inner)) return inner as typeof fetch;
  let recorder = recorders.get(inner);
  if (!recorder) {
    const original = inner as typeof fetch;
    recorder = async (input, init) => {
      const response = await original(input, init);
      record(input, response);
      return response;
    };
    wrapped.set(recorder, inner);
    recorders.set(inner, recorder);
  }
  return recorder;
}

function record(input: unknown, response: Response): void {
  if (input !== null && typeof input === 'object') {
    fetched.set(input, { redirected: response.redirected === true });
  }
}

function responseOf(error: unknown): AxiosResponse | undefined {
  return isAxiosError(error) ? error.response : undefined;
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
  const response = 'response' in outcome ? outcome.response : responseOf(outcome.error);
  const data = response?.data as { destroy?: () => void } | undefined;
  if (data && typeof data.destroy === 'function') data.destroy();
}

/** Replaces each token we sent by its mask, e.g. `Bearer abcd…(43)`, once the exchange is over. */
function maskAuthorization(headers: AxiosHeaders, tokens: readonly string[]): void {
  const sent = headers.get('authorization');
  const token = tokens.find((t) => sent === bearer(t));
  if (token) headers.set('Authorization', bearer(maskToken(token)));
}

/**
 * Replaces each token we sent by its mask in the transport objects that outlive the exchange:
 * the `http.ClientRequest`'s serialized header block (`_header`) and header map
 * (`kOutHeaders`), and follow-redirects' request options (`_options.headers`), which a
 * keep-alive socket keeps reachable (`socket[axios.http.currentReq]`) from the agent's free
 * sockets, `http.globalAgent` included, until its next request. The request is over, so
 * nothing is sent from them again.
 */
function scrubTransport(outcome: Outcome, tokens: readonly string[]): void {
  const request =
    'response' in outcome
      ? (outcome.response.request as unknown)
      : isAxiosError(outcome.error)
        ? (outcome.error.request as unknown)
        : undefined;
  const mask = (text: string) =>
    tokens.reduce((t, token) => t.split(token).join(maskToken(token)), text);
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    const o = value as Record<string | symbol, unknown>;
    if (typeof o._header === 'string') o._header = mask(o._header);
    const optionHeaders = (o._options as { headers?: Record<string, unknown> } | undefined)
      ?.headers;
    for (const [name, v] of Object.entries(optionHeaders ?? {})) {
      if (typeof v === 'string') optionHeaders![name] = mask(v);
    }
    for (const sym of Object.getOwnPropertySymbols(o)) {
      if (sym.description !== 'kOutHeaders') continue;
      const entry = (o[sym] as Record<string, [string, unknown]> | null)?.authorization;
      if (entry && typeof entry[1] === 'string') entry[1] = mask(entry[1]);
    }
    visit(o._currentRequest);
    const socket = o.socket as Record<symbol, unknown> | null | undefined;
    if (socket && typeof socket === 'object') {
      for (const sym of Object.getOwnPropertySymbols(socket)) {
        if (sym.description === 'axios.http.currentReq') visit(socket[sym]);
      }
    }
  };
  visit(request);
}

/**
 * Turns `.request` of the response and of the error (the raw `http.ClientRequest`, whose
 * buffered header block and follow-redirects state hold the token) into a non-enumerable
 * accessor: `error.request` still returns it, but `util.inspect` (even with `showHidden`) shows
 * `[Getter]` instead of walking into it, and `JSON.stringify` and structured loggers skip it.
 */
function conceal(outcome: Outcome): void {
  if ('response' in outcome) {
    hide(outcome.response, 'request');
    return;
  }
  if (isAxiosError(outcome.error)) {
    hide(outcome.error, 'request');
    if (outcome.error.response) hide(outcome.error.response, 'request');
  }
}

function hide(target: object, key: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (!descriptor || !('value' in descriptor) || !descriptor.configurable) return;
  let value: unknown = descriptor.value;
  Object.defineProperty(target, key, {
    configurable: true,
    enumerable: false,
    get: () => value,
    set: (next: unknown) => {
      value = next;
    },
  });
}
