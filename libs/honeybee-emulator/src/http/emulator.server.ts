import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../clock.js';
import type { EmulatorContext } from '../emulator.context.js';
import { DelayScheduler } from '../faults/delay.scheduler.js';
import { writeFaultResponse } from '../faults/fault.responder.js';
import type { FaultInjector } from '../faults/faults.js';
import { OAUTH_ERROR_DESCRIPTIONS } from '../oauth/oauth-errors.js';
import { jsonResponse, readBody, requestIdFor } from './http-utils.js';
import type { EmulatorResponse } from './http-utils.js';
import type { RequestRecorder } from './request.recorder.js';
import { routeFor } from './router.js';

/** What the HTTP layer needs from its emulator. */
export interface EmulatorServerDeps {
  readonly clock: Clock;
  readonly faults: FaultInjector;
  readonly recorder: RequestRecorder;
  readonly maxBodyBytes: number;
}

/**
 * The `node:http` server of one emulator: reads and bounds the body, records the request,
 * applies any injected fault, routes, and writes the response with `X-Request-Id` and a `Date`
 * from the emulator clock.
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
    const { clock, faults, recorder, maxBodyBytes } = this.#deps;
    const context = this.#context;
    if (this.#closing || !context) {
      res.destroy();
      return;
    }
    const receivedAt = clock.now();
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
      Date: new Date(clock.now()).toUTCString(),
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
    writeResponse(res, response, baseHeaders());
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

function writeResponse(
  res: ServerResponse,
  response: EmulatorResponse,
  base: Record<string, string>,
): void {
  if (res.destroyed || res.headersSent) return;
  const headers: Record<string, string> = { ...response.headers, ...base };
  const bodyless = response.status === 204 || response.status === 304;
  const body = bodyless ? undefined : (response.body ?? '');
  if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
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
