import { request } from 'node:http';
import type { Agent, IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { leakScanner } from './leak-scanner.js';

/** One HTTP answer as a test sees it. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * One request with `node:http` (which can repeat a header through an array value). The answer
 * goes to the leak scanner unless `scan` is `false` (a flood that scans a sample of its answers
 * itself, so that the scanner's copies do not count as the flood's memory). Without `agent`, no
 * keep-alive, so closing an app never waits.
 */
export function httpCall(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string | string[]>;
    body?: string;
    agent?: Agent;
    scan?: boolean;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (options.scan !== false) leakScanner.response(res.statusCode ?? 0, res.headers, text);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: parseJson(text),
          });
        });
      },
    );
    req.on('error', reject);
    for (const [name, value] of Object.entries(options.headers ?? {})) req.setHeader(name, value);
    req.end(options.body);
  });
}

/** A raw answer: what came back on the socket, parsed as far as it goes. */
export interface RawAnswer {
  /** 0 when the server closed the connection without a status line. */
  status: number;
  /** Header names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: string;
  json: unknown;
  /** Bytes received in all. */
  bytes: number;
}

/**
 * Sends `bytes` as is over a new TCP connection to 127.0.0.1:`port` and reads until the server
 * closes it (send `Connection: close`). For requests Node's HTTP client refuses to build:
 * control characters, obs-text, broken header names, lone CR/LF, oversized headers. A server
 * that hangs up mid-request (EPIPE, ECONNRESET) is an answer too, with whatever arrived.
 */
export function rawRequest(port: number, bytes: Buffer, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const answer = parseRaw(Buffer.concat(chunks));
      leakScanner.response(answer.status, answer.headers, answer.body);
      resolve(answer);
    };
    const timer = setTimeout(() => {
      settled = true;
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', finish);
    socket.on('close', finish);
    // EPIPE / ECONNRESET: the server hung up on an unacceptable request; 'close' follows.
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

function parseRaw(data: Buffer): RawAnswer {
  const text = data.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
  if (!status || headEnd === -1) {
    return { status: 0, headers: {}, body: text, json: undefined, bytes: data.length };
  }
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, headEnd).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = data.subarray(Buffer.byteLength(text.slice(0, headEnd + 4), 'latin1'));
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  else if (headers['content-length'] !== undefined) {
    body = body.subarray(0, Number(headers['content-length']));
  }
  const bodyText = body.toString('utf8');
  return {
    status: Number(status),
    headers,
    body: bodyText,
    json: parseJson(bodyText),
    bytes: data.length,
  };
}

function dechunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}
