import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../clock.js';
import type { EmulatorContext } from '../emulator.context.js';
import { DelayScheduler } from '../faults/delay.scheduler.js';
import { writeFaultResponse } from '../faults/fault.responder.js';
import type { FaultInjector } from '../faults/faults.js';
import type { RailsFraming } from '../doorkeeper.profile.js';
import { OAUTH_ERROR_DESCRIPTIONS } from '../emulator.errors.js';
import { jsonResponse, readBody, requestIdFor, weakEtag } from '../http/http-utils.js';
import type { EmulatorResponse } from '../http/http-utils.js';
import type { RequestRecorder } from './request.recorder.js';
import { routeFor } from './router.js';

/** What the HTTP layer needs from its emulator. */
export interface EmulatorServerDeps {
  readonly clock: Clock;
  readonly faults: FaultInjector;
  readonly recorder: RequestRecorder;
  readonly maxBodyBytes: number;
  /** How the profile's Rails and web server frame answers. */
  readonly framing: RailsFraming;
}

/**
 * The `node:http` server of one emulator: reads and bounds the body, records the request,
 * applies any injected fault, routes, and writes the response framed as the Doorkeeper profile's
 * Rails and web server frame it (see {@link frameResponse}), with `X-Request-Id` and, when the
 * profile has one, a `Date` from the emulator clock.
 */
export class EmulatorServer {
  readonly #deps: EmulatorServerDeps;
  readonly #server: Server;
  readonly #delays = new DelayScheduler();
  #context: EmulatorContext | undefined;
  #closing: Promise<void> | undefined;

  private constructor(deps: EmulatorServerDeps) {
    this.#deps = deps;
    this.#server = createServer((req, res) => {
      // Node's own Date would ignore the emulator clock (and the profile may have none).
      res.sendDate = false;
      this.#handle(req, res).catch((error: unknown) => this.#fail(res, error));
    });
  }

  /** Creates a server listening on `host:port` (0 picks a free port). */
  static async listen(
    deps: EmulatorServerDeps,
    host: string,
    port: number,
  ): Promise<EmulatorServer> {
    const server = new EmulatorServer(deps);
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject);
      server.#server.listen(port, host, () => {
        server.#server.off('error', reject);
        resolve();
      });
    });
    return server;
  }

  /** The port actually listened on. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Number of fault delays in progress. */
  get pendingDelays(): number {
    return this.#delays.pending;
  }

  /** Hands the server the context its handlers run with (once the URLs are known). */
  attach(context: EmulatorContext): void {
    this.#context = context;
  }

  /**
   * Stops listening, cancels fault delays and destroys every connection, idle or not; resolves
   * once the server is closed. Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#delays.cancelAll();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { clock, faults, recorder, maxBodyBytes, framing } = this.#deps;
    const context = this.#context;
    if (this.#closing || !context) {
      res.destroy();
      return;
    }
    const receivedAt = clock.now();
    const startedAt = performance.now();
    const requestId = requestIdFor(req.headers['x-request-id']);
    const method = (req.method ?? 'GET').toUpperCase();
    const url = parseRequestUrl(req.url);
    const route = routeFor(method, url.pathname);

    const read = await readBody(req, maxBodyBytes);
    if (!read.ok && read.aborted) return;
    const applied =
      read.ok && route.endpoint !== 'other'
        ? faults.take(route.endpoint, { method, path: url.pathname })
        : undefined;
    recorder.record({
      endpoint: route.endpoint,
      method,
      url,
      headers: req.headers,
      body: read.ok ? read.body : undefined,
      bodyBytes: read.ok ? read.body.length : read.receivedBytes,
      receivedAt,
      requestId,
      ...(applied ? { fault: applied.kind } : {}),
    });
    const baseHeaders = (): Record<string, string> => ({
      'X-Request-Id': requestId,
      ...(framing.dateHeader ? { Date: new Date(clock.now()).toUTCString() } : {}),
    });

    if (!read.ok) {
      const tooLarge = jsonResponse(413, {
        error: 'request_entity_too_large',
        error_description: `The request body is larger than ${maxBodyBytes} bytes.`,
      });
      writeResponse(res, tooLarge, { ...baseHeaders(), Connection: 'close' });
      return;
    }
    if (applied) {
      if (applied.fault.delayMs !== undefined && applied.fault.delayMs > 0) {
        const completed = await this.#delays.wait(applied.fault.delayMs);
        if (!completed) {
          res.destroy();
          return;
        }
      }
      if (applied.kind !== 'delay') {
        await writeFaultResponse(res, applied, baseHeaders());
        return;
      }
    }
    const response = await route.handle(context, {
      method,
      url,
      headers: req.headers,
      body: read.body,
    });
    const seconds = (performance.now() - startedAt) / 1000;
    writeResponse(res, frameResponse(response, framing, seconds), baseHeaders());
  }

  #fail(res: ServerResponse, error: unknown): void {
    console.error('HoneybeeEmulator: internal error while answering a request', error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    writeResponse(
      res,
      jsonResponse(500, {
        error: 'server_error',
        error_description: OAUTH_ERROR_DESCRIPTIONS.server_error,
      }),
      {},
    );
  }
}

/** Rails' `Cache-Control` for an answer with an ETag and none set by the controller. */
const DEFAULT_CACHE_CONTROL = 'max-age=0, private, must-revalidate';
/** What Rails varies a rendered answer on (the format comes from these). */
const RENDERED_VARY = 'Accept, X-Requested-With';

/**
 * Frames an endpoint's answer as Rails and its web server do:
 * - a controller answer gets the profile's default headers; a 200 or 201 with a body a weak
 *   `ETag` (Rack::ETag); a `Cache-Control` when it has none (`max-age=0, private,
 *   must-revalidate` with an ETag, else `no-cache`); a rendered one (and the 304 made of it)
 *   `Vary`; and its body is chunked or carries `Content-Length`, as the profile's server sends
 *   it;
 * - a middleware answer (routing error, unparseable body) only a `Content-Length`;
 * - both get `X-Runtime` when the profile has it.
 */
export function frameResponse(
  response: EmulatorResponse,
  framing: RailsFraming,
  runtimeSeconds: number,
): EmulatorResponse {
  const body = response.body ?? '';
  const length = Buffer.byteLength(body);
  const runtime: Record<string, string> = framing.runtimeHeader
    ? { 'X-Runtime': runtimeSeconds.toFixed(6) }
    : {};
  if (response.origin === 'middleware') {
    return {
      ...response,
      headers: { ...response.headers, 'Content-Length': String(length), ...runtime },
    };
  }
  const headers: Record<string, string> = { ...framing.defaultHeaders, ...response.headers };
  const has = (name: string): boolean =>
    Object.keys(headers).some((key) => key.toLowerCase() === name);
  if ((response.status === 200 || response.status === 201) && length > 0 && !has('etag')) {
    headers.ETag = weakEtag(body);
  }
  if (!has('cache-control')) {
    headers['Cache-Control'] = has('etag') ? DEFAULT_CACHE_CONTROL : 'no-cache';
  }
  if (response.origin !== 'direct' && !has('vary')) headers.Vary = RENDERED_VARY;
  if (response.status !== 204 && response.status !== 304) {
    if (framing.chunkedBodies) headers['Transfer-Encoding'] = 'chunked';
    else headers['Content-Length'] = String(length);
  }
  return { ...response, headers: { ...headers, ...runtime } };
}

/**
 * Writes an answer. One that was not framed (a 413, an internal error) gets a `Content-Length`;
 * a framed one already says how its body travels.
 */
function writeResponse(
  res: ServerResponse,
  response: EmulatorResponse,
  base: Record<string, string>,
): void {
  if (res.destroyed || res.headersSent) return;
  const headers: Record<string, string> = { ...response.headers, ...base };
  const bodyless = response.status === 204 || response.status === 304;
  const body = bodyless ? undefined : (response.body ?? '');
  const framed = Object.keys(headers).some((key) =>
    /^(content-length|transfer-encoding)$/i.test(key),
  );
  if (body !== undefined && !framed) headers['Content-Length'] = String(Buffer.byteLength(body));
  res.writeHead(response.status, headers);
  res.end(body);
}

function parseRequestUrl(raw: string | undefined): URL {
  const base = 'http://honeybee-emulator.invalid';
  try {
    if (raw?.startsWith('/')) return new URL(`${base}${raw}`);
    if (raw) return new URL(raw);
  } catch {
    // fall through: an unparseable target is routed as "/" and answered 404
  }
  return new URL(`${base}/`);
}
