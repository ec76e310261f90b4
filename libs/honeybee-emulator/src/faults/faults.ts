/** Endpoints faults can be injected into (and requests are recorded under). */
export type FaultEndpoint =
  'token' | 'tokenInfo' | 'introspect' | 'revoke' | 'jwks' | 'metadata' | 'api';

/** Every {@link FaultEndpoint}. */
export const FAULT_ENDPOINTS: readonly FaultEndpoint[] = Object.freeze([
  'token',
  'tokenInfo',
  'introspect',
  'revoke',
  'jwks',
  'metadata',
  'api',
]);

/**
 * A misbehaviour to inject. `delayMs` combines with any other kind (the delay comes first);
 * otherwise set exactly one of `status`, `malformedBody`, `oversizedBodyBytes`,
 * `dropConnection`, `resetConnection`, `rateLimit`, `redirect`. `status` also sets the status of
 * `malformedBody`, `oversizedBodyBytes` and `dropConnection` (default 200). `headers` adds to or
 * (with `null`) removes from the headers sent, `X-Request-Id` included.
 *
 * @example
 * ```ts
 * emu.injectFault('token', { status: 503, body: { error: 'temporarily_unavailable' } }, { times: 2 });
 * emu.injectFault('api', { dropConnection: true }, { times: 1 });
 * emu.injectFault('token', { rateLimit: { retryAfterSeconds: 1 } }, { times: 1 });
 * ```
 */
export interface Fault {
  /** Wait this many milliseconds (real time) before answering. */
  delayMs?: number;
  /** Answer with this status instead of the real response. */
  status?: number;
  /**
   * Body of a `status` fault: a string or Buffer is sent as is (`text/plain` unless `headers`
   * say otherwise), anything else as JSON.
   */
  body?: unknown;
  /** Extra response headers; `null` removes a header the emulator would send. */
  headers?: Readonly<Record<string, string | null>>;
  /**
   * Answer `Content-Type: application/json` with a body that is not JSON (`true` uses
   * `{"truncated": `).
   */
  malformedBody?: true | string;
  /** Answer a valid JSON body of exactly this many bytes. */
  oversizedBodyBytes?: number;
  /** Send the headers and part of the body, then destroy the socket. */
  dropConnection?: true;
  /** Reset the connection (TCP RST) before sending anything. */
  resetConnection?: true;
  /** Answer 429 with `Retry-After` (seconds, or an HTTP-date when `retryAfterDate` is set). */
  rateLimit?: { retryAfterSeconds?: number; retryAfterDate?: Date; body?: unknown };
  /** Answer a redirect to `location`. */
  redirect?: { location: string; status?: 301 | 302 | 303 | 307 | 308 };
}

/** The kind of a fault, as recorded on the requests it hit. */
export type FaultKind =
  | 'delay'
  | 'status'
  | 'malformedBody'
  | 'oversizedBody'
  | 'dropConnection'
  | 'resetConnection'
  | 'rateLimit'
  | 'redirect';

/** Options of {@link HoneybeeEmulator.injectFault}. */
export interface FaultOptions {
  /**
   * Affect only the next `times` matching requests.
   * @default until cleared
   */
  times?: number;
  /** Affect only requests with this method and/or path (a string is an exact pathname). */
  when?: { method?: string; path?: string | RegExp };
}

/** A handle on one injected fault. */
export interface FaultHandle {
  /** The endpoint it is injected into. */
  readonly endpoint: FaultEndpoint;
  /** Its kind. */
  readonly kind: FaultKind;
  /** How many requests it has hit so far. */
  readonly hits: number;
  /** How many more requests it will hit; `undefined` for "until cleared". */
  readonly remaining: number | undefined;
  /** Whether it will still hit requests. */
  readonly active: boolean;
  /** Removes it. */
  clear(): void;
}

/** A fault that hit a request. */
export interface AppliedFault {
  /** The fault. */
  readonly fault: Readonly<Fault>;
  /** Its kind. */
  readonly kind: FaultKind;
}

interface Entry {
  readonly endpoint: FaultEndpoint;
  readonly fault: Readonly<Fault>;
  readonly kind: FaultKind;
  readonly when: FaultOptions['when'];
  remaining: number | undefined;
  hits: number;
  cleared: boolean;
}

const RESPONSE_KINDS = [
  'malformedBody',
  'oversizedBodyBytes',
  'dropConnection',
  'resetConnection',
  'rateLimit',
  'redirect',
] as const;

/**
 * Checks a fault and returns its kind.
 *
 * @throws TypeError naming the bad field.
 */
export function validateFault(fault: Fault): FaultKind {
  if (typeof fault !== 'object' || fault === null) throw new TypeError('fault must be an object');
  if (fault.delayMs !== undefined && !(Number.isFinite(fault.delayMs) && fault.delayMs >= 0)) {
    throw new TypeError('fault.delayMs must be a non-negative number of milliseconds');
  }
  if (
    fault.status !== undefined &&
    !(Number.isInteger(fault.status) && fault.status >= 100 && fault.status <= 599)
  ) {
    throw new TypeError('fault.status must be an HTTP status code (100-599)');
  }
  // `false` (from plain-JS callers) counts as unset.
  const kinds = RESPONSE_KINDS.filter(
    (key) => fault[key] !== undefined && (fault[key] as unknown) !== false,
  );
  if (kinds.length > 1) {
    throw new TypeError(`fault sets ${kinds.join(' and ')}: choose one`);
  }
  const [kind] = kinds;
  if (fault.body !== undefined && kind !== undefined) {
    throw new TypeError(`fault.body only goes with a plain status fault, not with ${kind}`);
  }
  if (kind === 'resetConnection' && (fault.status !== undefined || fault.headers !== undefined)) {
    throw new TypeError('fault.resetConnection sends nothing: status and headers make no sense');
  }
  if ((kind === 'rateLimit' || kind === 'redirect') && fault.status !== undefined) {
    throw new TypeError(`fault.status does not go with ${kind} (it has its own status)`);
  }
  if (kind === 'oversizedBodyBytes') {
    const bytes = fault.oversizedBodyBytes;
    if (!Number.isInteger(bytes) || (bytes as number) < 0) {
      throw new TypeError('fault.oversizedBodyBytes must be a non-negative integer');
    }
    return 'oversizedBody';
  }
  if (kind === 'redirect') {
    if (typeof fault.redirect?.location !== 'string' || fault.redirect.location === '') {
      throw new TypeError('fault.redirect.location must be a non-empty string');
    }
    const status = fault.redirect.status ?? 307;
    if (![301, 302, 303, 307, 308].includes(status)) {
      throw new TypeError('fault.redirect.status must be 301, 302, 303, 307 or 308');
    }
    return 'redirect';
  }
  if (kind === 'rateLimit') {
    const seconds = fault.rateLimit?.retryAfterSeconds;
    if (seconds !== undefined && !(Number.isInteger(seconds) && seconds >= 0)) {
      throw new TypeError('fault.rateLimit.retryAfterSeconds must be a non-negative integer');
    }
    return 'rateLimit';
  }
  if (kind !== undefined) return kind;
  if (fault.status !== undefined) return 'status';
  if (fault.delayMs !== undefined) return 'delay';
  throw new TypeError('fault must set delayMs, status or one of ' + RESPONSE_KINDS.join(', '));
}

/** The injected faults of one emulator instance. */
export class FaultInjector {
  readonly #entries: Entry[] = [];

  /** Injects a fault; see {@link Fault} and {@link FaultOptions}. */
  inject(endpoint: FaultEndpoint, fault: Fault, options: FaultOptions = {}): FaultHandle {
    if (!FAULT_ENDPOINTS.includes(endpoint)) {
      throw new TypeError(`fault endpoint must be one of ${FAULT_ENDPOINTS.join(', ')}`);
    }
    const kind = validateFault(fault);
    const { times } = options;
    if (times !== undefined && !(Number.isInteger(times) && times > 0)) {
      throw new TypeError('options.times must be a positive integer');
    }
    const entry: Entry = {
      endpoint,
      fault: Object.freeze({ ...fault }),
      kind,
      when: options.when,
      remaining: times,
      hits: 0,
      cleared: false,
    };
    this.#entries.push(entry);
    const entries = this.#entries;
    return {
      endpoint,
      kind,
      get hits() {
        return entry.hits;
      },
      get remaining() {
        return entry.remaining;
      },
      get active() {
        return !entry.cleared && entry.remaining !== 0;
      },
      clear() {
        entry.cleared = true;
        const index = entries.indexOf(entry);
        if (index !== -1) entries.splice(index, 1);
      },
    };
  }

  /**
   * Takes the first fault (in injection order) that applies to this request, counting one hit
   * against it; `undefined` when none applies.
   */
  take(
    endpoint: FaultEndpoint,
    request: { method: string; path: string },
  ): AppliedFault | undefined {
    const entry = this.#entries.find(
      (candidate) => candidate.endpoint === endpoint && matches(candidate.when, request),
    );
    if (!entry) return undefined;
    entry.hits += 1;
    if (entry.remaining !== undefined) {
      entry.remaining -= 1;
      if (entry.remaining === 0) this.#entries.splice(this.#entries.indexOf(entry), 1);
    }
    return { fault: entry.fault, kind: entry.kind };
  }

  /** Removes the faults of one endpoint, or all faults. */
  clear(endpoint?: FaultEndpoint): void {
    for (let i = this.#entries.length - 1; i >= 0; i -= 1) {
      const entry = this.#entries[i]!;
      if (endpoint === undefined || entry.endpoint === endpoint) {
        entry.cleared = true;
        this.#entries.splice(i, 1);
      }
    }
  }
}

function matches(when: FaultOptions['when'], request: { method: string; path: string }): boolean {
  if (!when) return true;
  if (when.method !== undefined && when.method.toUpperCase() !== request.method.toUpperCase()) {
    return false;
  }
  if (when.path === undefined) return true;
  return typeof when.path === 'string' ? when.path === request.path : when.path.test(request.path);
}
