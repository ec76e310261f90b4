import type { ServerResponse } from 'node:http';
import { JSON_CONTENT_TYPE } from '../http/http-utils.js';
import type { AppliedFault } from './faults.js';

const DEFAULT_MALFORMED_BODY = '{"truncated": ';
const DROPPED_BODY_PREFIX = '{"access_token":"';

/**
 * Writes the response of a fault of any kind but `delay`. `baseHeaders` (`X-Request-Id`,
 * `Date`) are sent unless the fault's headers remove them with `null`.
 */
export async function writeFaultResponse(
  res: ServerResponse,
  applied: AppliedFault,
  baseHeaders: Record<string, string>,
): Promise<void> {
  const { fault, kind } = applied;
  const headersWith = (defaults: Record<string, string>): Record<string, string> => {
    const merged: Record<string, string | null> = { ...baseHeaders, ...defaults };
    for (const [name, value] of Object.entries(fault.headers ?? {})) {
      for (const existing of Object.keys(merged)) {
        if (existing.toLowerCase() === name.toLowerCase()) delete merged[existing];
      }
      merged[name] = value;
    }
    return Object.fromEntries(
      Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== null),
    );
  };
  switch (kind) {
    case 'resetConnection':
      res.socket?.resetAndDestroy();
      return;
    case 'dropConnection': {
      const partial = Buffer.from(DROPPED_BODY_PREFIX);
      res.writeHead(
        fault.status ?? 200,
        headersWith({ 'Content-Type': JSON_CONTENT_TYPE, 'Content-Length': '1024' }),
      );
      // Destroy only once the partial body has reached the socket, so the client sees it.
      res.write(partial, () => res.socket?.destroy());
      return;
    }
    case 'oversizedBody':
      await streamOversized(res, fault.oversizedBodyBytes ?? 0, fault.status ?? 200, headersWith);
      return;
    case 'malformedBody': {
      const body =
        typeof fault.malformedBody === 'string' ? fault.malformedBody : DEFAULT_MALFORMED_BODY;
      end(res, fault.status ?? 200, headersWith({ 'Content-Type': JSON_CONTENT_TYPE }), body);
      return;
    }
    case 'rateLimit': {
      const limit = fault.rateLimit ?? {};
      const retryAfter = limit.retryAfterDate
        ? limit.retryAfterDate.toUTCString()
        : String(limit.retryAfterSeconds ?? 1);
      const body = limit.body ?? {
        error: 'rate_limit_exceeded',
        error_description: 'Too many requests. Retry later.',
      };
      const [contentType, payload] = encodeBody(body);
      end(
        res,
        429,
        headersWith({ 'Content-Type': contentType, 'Retry-After': retryAfter }),
        payload,
      );
      return;
    }
    case 'redirect': {
      const redirect = fault.redirect!;
      end(res, redirect.status ?? 307, headersWith({ Location: redirect.location }), '');
      return;
    }
    case 'status': {
      if (fault.body === undefined) {
        end(res, fault.status!, headersWith({}), '');
        return;
      }
      const [contentType, payload] = encodeBody(fault.body);
      end(res, fault.status!, headersWith({ 'Content-Type': contentType }), payload);
      return;
    }
    case 'delay':
      return;
  }
}

function encodeBody(body: unknown): [string, string | Buffer] {
  if (typeof body === 'string') return ['text/plain; charset=utf-8', body];
  if (Buffer.isBuffer(body)) return ['application/octet-stream', body];
  return [JSON_CONTENT_TYPE, JSON.stringify(body)];
}

function end(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
): void {
  res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

async function streamOversized(
  res: ServerResponse,
  bytes: number,
  status: number,
  headersWith: (defaults: Record<string, string>) => Record<string, string>,
): Promise<void> {
  res.writeHead(
    status,
    headersWith({ 'Content-Type': JSON_CONTENT_TYPE, 'Content-Length': String(bytes) }),
  );
  // A valid JSON document of exactly `bytes` bytes: {"padding":"xxx…"} (or bare x's if tiny).
  const wrapper = bytes >= 14;
  let left = wrapper ? bytes - 14 : bytes;
  if (wrapper) res.write('{"padding":"');
  const chunk = Buffer.alloc(64 * 1024, 'x');
  while (left > 0 && !res.destroyed) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    left -= piece.length;
    if (!res.write(piece)) await drainOrClose(res);
  }
  if (!res.destroyed) res.end(wrapper ? '"}' : undefined);
}

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
