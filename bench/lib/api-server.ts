/**
 * The loopback API of `bench/outbound-throughput.ts`, run as a child process with tsx and IPC
 * (pinned to its own core) so that it does not share an event loop or a core with the clients
 * it answers: `node:http`, keep-alive, every request with a Bearer token answered with the same
 * small JSON (one without, 401: the clients count it as a failure). It answers `{ port }` once
 * it listens on 127.0.0.1, then `{ type: 'connections', count }` (TCP connections accepted so
 * far) to `connections`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** About what a small Partners API answer weighs. */
const BODY = JSON.stringify({
  data: [
    { id: 'rx_0001', status: 'active', medication: 'Atorvastatin 20 mg', refills: 3 },
    { id: 'rx_0002', status: 'filled', medication: 'Metformin 500 mg', refills: 0 },
  ],
});

const server = createServer((req, res) => {
  // Both clients must send a Bearer token: a request without one is not the path measured.
  if (!/^Bearer [\x21-\x7e]+$/.test(req.headers.authorization ?? '')) {
    res.writeHead(401, { 'content-length': 0 });
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
  res.end(BODY);
});
let connections = 0;
server.on('connection', () => connections++);
// Keep idle connections long enough that no measurement ever opens a new one mid-round.
server.keepAliveTimeout = 60_000;
server.headersTimeout = 61_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.send!({ port: (server.address() as AddressInfo).port });
process.on('message', (msg: { type: string }) => {
  if (msg.type === 'connections') process.send!({ type: 'connections', count: connections });
  if (msg.type === 'exit') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
