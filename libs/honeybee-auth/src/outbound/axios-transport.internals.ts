/**
 * What the outbound authorization needs from the inside of axios, follow-redirects and Node's
 * HTTP client, in one place, so that `honeybee-authorization.service.ts` reads as policy and an
 * upgrade that moves any of it fails `axios-transport.internals.spec.ts` (which probes each
 * item below against the installed packages with real requests on 127.0.0.1).
 *
 * Verified with axios 1.21 (peer range `^1.12.0`) and follow-redirects 1.16 (axios's own
 * dependency, `^1.15.6` since axios 1.12), on Node 20 and 22.
 *
 * | package | what this file relies on | public? | used by |
 * |---|---|---|---|
 * | axios, http adapter | `response.request` / `error.request` is the last hop's `http.ClientRequest` | documented | {@link lastHopSent}, {@link scrubTransport} |
 * | axios, fetch adapter (≥ 1.12) | it calls `config.env.fetch` with a `Request` first; `response.request` / `error.request` is that `Request`; one adapter is built and cached per `fetch` function | `env.fetch` documented; the rest observed | {@link recordRedirects}, {@link lastHopSent} |
 * | axios, http adapter → follow-redirects | `config.beforeRedirect(options, responseDetails, requestDetails)` runs before each redirected hop with follow-redirects' options: `options.href` is the next URL, `options.headers` what it will send | documented (Node only) | {@link guardRedirects} |
 * | Node, `http.ClientRequest` | `_header`: the serialized header block, kept after sending; `Symbol(kOutHeaders)`: the header map, `{ name: [name, value] }` | internal | {@link scrubTransport} |
 * | follow-redirects, `RedirectableRequest` | `_options.headers`: the headers of the next hop; `_currentRequest`: the current `ClientRequest` | internal | {@link scrubTransport} |
 * | axios, http adapter (≥ 1.15.2) | a pooled socket's `Symbol(axios.http.currentReq)` points at the `RedirectableRequest` of the last request made on it, which a keep-alive agent (`http.globalAgent` included) keeps reachable | internal | {@link scrubTransport} |
 *
 * Where an internal is absent, the code here does nothing with it (there is then nothing to
 * scrub or to prove); only the spec notices.
 */
import { isAxiosError } from 'axios';
import type { AxiosRequestConfig, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { maskToken } from '../common/secret.js';

/** The result of one adapter call, kept whole so it can be inspected before it is settled. */
export type Outcome = { response: AxiosResponse } | { error: unknown };

/** The response of an outcome: the response itself, or the one an axios error carries. */
export function responseOf(outcome: Outcome): AxiosResponse | undefined {
  if ('response' in outcome) return outcome.response;
  return isAxiosError(outcome.error) ? outcome.error.response : undefined;
}

type BeforeRedirect = NonNullable<AxiosRequestConfig['beforeRedirect']>;

/**
 * On a redirect guard installed here: the caller's own hook it runs first. A property of the
 * guard, not a WeakMap entry: one per request would be an ephemeron for every GC to process.
 */
const USER_HOOK = Symbol('honeybee-auth:user-redirect-hook');
type Guard = BeforeRedirect & { [USER_HOOK]?: AxiosRequestConfig['beforeRedirect'] };

/**
 * A `beforeRedirect` that removes `authorization` from the next hop's headers when the redirect
 * leaves `origin`, after the caller's own hook ran. axios and follow-redirects strip
 * `Authorization` on some host changes already, with rules that differ between versions
 * (follow-redirects keeps it for subdomains and `http:`→`https:`); this one does not depend on
 * them.
 *
 * @param sentAuthorization - the `Authorization` value sent now (it changes on a replay).
 * @param onRemoved - called each time the header is removed.
 */
export function guardRedirects(
  userHook: AxiosRequestConfig['beforeRedirect'],
  origin: string,
  sentAuthorization: () => string,
  onRemoved?: () => void,
): BeforeRedirect {
  const guard: BeforeRedirect = (options, responseDetails, requestDetails) => {
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
      if (name.toLowerCase() === 'authorization' && headers?.[name] === sentAuthorization()) {
        delete headers[name];
        onRemoved?.();
      }
    }
  };
  (guard as Guard)[USER_HOOK] = userHook;
  return guard;
}

/** The caller's own `beforeRedirect` under any number of {@link guardRedirects} layers. */
export function withoutRedirectGuard(
  hook: AxiosRequestConfig['beforeRedirect'],
): AxiosRequestConfig['beforeRedirect'] {
  let current = hook;
  while (current !== undefined && Object.hasOwn(current, USER_HOOK)) {
    current = (current as Guard)[USER_HOOK];
  }
  return current;
}

/**
 * What the fetch adapter's `fetch` answered, on each `Request` it was given: whether redirects
 * were followed (fetch tells only that, not where to). A property of the `Request`, not a
 * WeakMap entry: one per request would be an ephemeron for every GC to process.
 */
const REDIRECTED = Symbol('honeybee-auth:redirected');
type Fetched = { [REDIRECTED]?: boolean };
/** One recording wrapper per `fetch` (axios caches a fetch adapter per `fetch` function). */
const recorders = new WeakMap<object, typeof fetch>();
const isRecorder = new WeakSet<object>();
/** The wrapper of the global `fetch`, looked up at call time (so a replaced global is used). */
const recordingGlobalFetch: typeof fetch = async (input, init) => {
  const response = await globalThis.fetch(input, init);
  record(input, response);
  return response;
};
isRecorder.add(recordingGlobalFetch);

/**
 * Makes the fetch adapter, if the request ends up using it, remember per `Request` whether the
 * answer came after redirects (see {@link lastHopSent}): `config.env.fetch` (the env's, else
 * the global one) is wrapped. Set it before the adapter is resolved, which builds the fetch
 * adapter for the env's `fetch`. The wrapper is stable per wrapped function, so axios's
 * per-`fetch` adapter cache does not grow with every request.
 */
export function recordRedirects(config: InternalAxiosRequestConfig): void {
  config.env = { ...config.env, fetch: recordingFetch(config.env?.fetch) };
}

function recordingFetch(inner: unknown): typeof fetch {
  if (typeof inner !== 'function') return recordingGlobalFetch;
  if (isRecorder.has(inner)) return inner as typeof fetch;
  let recorder = recorders.get(inner);
  if (!recorder) {
    const original = inner as typeof fetch;
    recorder = async (input, init) => {
      const response = await original(input, init);
      record(input, response);
      return response;
    };
    isRecorder.add(recorder);
    recorders.set(inner, recorder);
  }
  return recorder;
}

function record(input: unknown, response: Response): void {
  if (input !== null && typeof input === 'object') {
    (input as Fetched)[REDIRECTED] = response.redirected === true;
  }
}

/**
 * Whether the hop that produced `response` provably sent exactly `authorization`:
 *
 * - `http` adapter: `response.request` is the last hop's `http.ClientRequest`, whose
 *   `getHeader('authorization')` must be it;
 * - `fetch` adapter: `response.request` is the `Request` handed to `fetch`, which must carry it,
 *   and no redirect may have been followed (fetch does not say where it went);
 * - any other adapter: no proof.
 */
export function lastHopSent(response: AxiosResponse, authorization: string): boolean {
  const lastHop = response.request as
    | { getHeader?: (name: string) => unknown; headers?: { get?: (name: string) => unknown } }
    | undefined;
  if (lastHop === null || typeof lastHop !== 'object') return false;
  if (typeof lastHop.getHeader === 'function') {
    return lastHop.getHeader('authorization') === authorization;
  }
  const redirected = (lastHop as Fetched)[REDIRECTED];
  return (
    redirected === false &&
    typeof lastHop.headers?.get === 'function' &&
    lastHop.headers.get('authorization') === authorization
  );
}

/**
 * Replaces each of `tokens` by its mask in the transport objects that outlive the exchange: the
 * `http.ClientRequest`'s serialized header block (`_header`) and header map (`kOutHeaders`), and
 * follow-redirects' request options (`_options.headers`), which a keep-alive socket keeps
 * reachable (`socket[axios.http.currentReq]`) from the agent's free sockets until its next
 * request. The request is over, so nothing is sent from them again.
 */
export function scrubTransport(outcome: Outcome, tokens: readonly string[]): void {
  const request =
    'response' in outcome
      ? (outcome.response.request as unknown)
      : isAxiosError(outcome.error)
        ? (outcome.error.request as unknown)
        : undefined;
  const masks = tokens.map((token) => maskToken(token));
  const mask = (text: string): string => {
    let out = text;
    for (let i = 0; i < tokens.length; i++) {
      if (out.includes(tokens[i]!)) out = out.split(tokens[i]!).join(masks[i]!);
    }
    return out;
  };
  scrub(request, mask, new Set());
}

/** One transport object of {@link scrubTransport} and what it leads to. */
function scrub(value: unknown, mask: (text: string) => string, seen: Set<object>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  const o = value as Record<string | symbol, unknown>;
  // An `http.ClientRequest` (it has the serialized header block): its header map too. A fetch
  // `Request`, say, has neither, and its symbols are not scanned.
  if (typeof o._header === 'string') {
    o._header = mask(o._header);
    const outHeaders = ownSymbolValue(o, 'kOutHeaders') as Record<string, [string, unknown]> | null;
    const entry = outHeaders?.authorization;
    if (entry && typeof entry[1] === 'string') entry[1] = mask(entry[1]);
  }
  const optionHeaders = (o._options as { headers?: Record<string, unknown> } | undefined)?.headers;
  if (optionHeaders) {
    for (const name of Object.keys(optionHeaders)) {
      const v = optionHeaders[name];
      if (typeof v === 'string') optionHeaders[name] = mask(v);
    }
  }
  scrub(o._currentRequest, mask, seen);
  const socket = o.socket as Record<symbol, unknown> | null | undefined;
  if (socket && typeof socket === 'object') {
    scrub(ownSymbolValue(socket, 'axios.http.currentReq'), mask, seen);
  }
}

/**
 * Symbols of Node and axios found by description, remembered: they are module-level symbols, the
 * same on every request and socket, and scanning a socket's own symbols on every request cost
 * more than the rest of the scrub.
 */
const knownSymbols = new Map<string, symbol>();

/** The value of `o`'s own symbol-keyed property described `description`, or `undefined`. */
function ownSymbolValue(o: Record<symbol, unknown>, description: string): unknown {
  const known = knownSymbols.get(description);
  if (known !== undefined && Object.hasOwn(o, known)) return o[known];
  for (const sym of Object.getOwnPropertySymbols(o)) {
    if (sym.description !== description) continue;
    knownSymbols.set(description, sym);
    return o[sym];
  }
  return undefined;
}

/**
 * Turns `.request` of the response and of the error (the raw `http.ClientRequest`, whose
 * buffered header block and follow-redirects state hold the token) into a non-enumerable
 * accessor: `error.request` still returns it, but `util.inspect` (even with `showHidden`) shows
 * `[Getter]` instead of walking into it, and `JSON.stringify` and structured loggers skip it.
 */
export function conceal(outcome: Outcome): void {
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
