import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the attacker's server parsed. */
export interface AttackerRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/**
 * A loopback HTTP server standing for a host that must never see a credential. It keeps every
 * byte received on every connection (so even a request it could not parse, or a TLS hello, is
 * inspected), and every request it parsed. By default it answers 200 `{"attacker":true}`;
 * `respond` changes that (e.g. a 401 to provoke a replay, or a redirect).
 */
export class AttackerServer {
  readonly requests: AttackerRequest[] = [];
  private readonly raw: Buffer[] = [];
  private readonly sockets = new Set<Socket>();
  private server!: Server;
  port = 0;
  respond: (req: AttackerRequest, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"attacker":true}');
  };

  static async start(): Promise<AttackerServer> {
    const s = new AttackerServer();
    s.server = createServer((req, res) => {
      const rec = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
      s.requests.push(rec);
      req.resume();
      req.on('end', () => s.respond(rec, res));
    });
    // A proxy request (CONNECT) is recorded and refused.
    s.server.on('connect', (req: IncomingMessage, socket: Socket) => {
      s.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
    });
    s.server.on('connection', (socket: Socket) => {
      s.sockets.add(socket);
      socket.on('data', (c: Buffer) => s.raw.push(Buffer.from(c)));
      socket.on('close', () => s.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.port = (s.server.address() as AddressInfo).port;
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Every byte received so far, as latin1 text. */
  rawText(): string {
    return Buffer.concat(this.raw).toString('latin1');
  }

  /** Whether any received byte sequence contains `needle`, or any parsed request carried an `Authorization`. */
  sawCredential(needles: readonly string[]): boolean {
    const raw = this.rawText();
    return (
      needles.some((n) => n.length > 0 && raw.includes(n)) ||
      /\r\nauthorization:/i.test(raw) ||
      this.requests.some((r) => r.headers.authorization !== undefined)
    );
  }

  clear(): void {
    this.requests.length = 0;
    this.raw.length = 0;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
