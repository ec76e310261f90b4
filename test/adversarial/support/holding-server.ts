import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A slow verifier on 127.0.0.1: every request is held, unanswered, until the test calls
 * {@link release}; then each, and every later one, gets a 401 at once (as token-info answers
 * an unknown token). It counts the requests held at once and the most ever held, so a test can
 * prove a bound on concurrent verifications without timing anything.
 */
export class HoldingServer {
  private server!: Server;
  private readonly held = new Set<ServerResponse>();
  private waiters: (() => void)[] = [];
  private holdingRequests = true;
  /** Requests received so far. */
  received = 0;
  /** The most requests held at the same time. */
  peak = 0;
  port = 0;

  static async start(): Promise<HoldingServer> {
    const s = new HoldingServer();
    s.server = createServer((req, res) => {
      req.resume();
      s.received += 1;
      if (!s.holdingRequests) return answer(res);
      s.held.add(res);
      s.peak = Math.max(s.peak, s.held.size);
      res.on('close', () => s.held.delete(res));
      for (const wake of s.waiters.splice(0)) wake();
    });
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.port = (s.server.address() as AddressInfo).port;
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Requests held now. */
  get holding(): number {
    return this.held.size;
  }

  /** Resolves on the next request received. */
  nextRequest(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Answers every held request 401 (an unknown token), and every later one at once. */
  release(): void {
    this.holdingRequests = false;
    for (const res of this.held) answer(res);
    this.held.clear();
  }

  async stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function answer(res: ServerResponse): void {
  res.writeHead(401, { 'content-type': 'application/json' });
  res.end('{"error":"invalid_token"}');
}
