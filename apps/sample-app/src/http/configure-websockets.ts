import type { INestApplication } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';

/**
 * WebSocket gateways on Nest's `ws` adapter (plain WebSocket frames, `{"event", "data"}` JSON),
 * on the HTTP server's port. Shared by `main.ts` and the e2e tests.
 */
export function configureWebSockets(app: INestApplication): void {
  app.useWebSocketAdapter(new WsAdapter(app));
}
