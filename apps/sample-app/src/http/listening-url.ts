import type { Server } from 'node:http';

/**
 * The URL to print for a listening server: the real port (also with `PORT=0`), and a loopback
 * host when it listens on every interface.
 */
export function listeningUrl(server: Server): string {
  const address = server.address();
  if (!address || typeof address === 'string')
    throw new Error('The server is not listening on TCP');
  const wildcard = ['0.0.0.0', '::', ''].includes(address.address);
  const host = wildcard ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
