import { Inject } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { OnGatewayConnection, WsResponse } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import { RequireScopes, rememberHandshake } from 'nestjs-honeybee-auth';
import { RecentWebhooks } from './recent-webhooks.store.js';
import type { ReceivedWebhook } from './recent-webhooks.store.js';

/**
 * `ws://HOST:PORT/ws`, Nest's `ws` adapter: send `{"event":"webhooks.recent"}`, get the recent
 * webhook events back, like `GET /webhooks/honeybee/recent` and with its scope. The token is the
 * connection's (its handshake `Authorization` header); `ScopesGuard` is the `APP_GUARD`.
 */
@WebSocketGateway({ path: '/ws' })
export class WebhooksGateway implements OnGatewayConnection {
  constructor(@Inject(RecentWebhooks) private readonly recent: RecentWebhooks) {}

  /** The `ws` adapter does not keep the handshake: `ScopesGuard` reads the token from it. */
  handleConnection(client: object, request: IncomingMessage): void {
    rememberHandshake(client, request);
  }

  @SubscribeMessage('webhooks.recent')
  @RequireScopes('prescriptions:read')
  list(): WsResponse<{ events: ReceivedWebhook[] }> {
    return { event: 'webhooks.recent', data: { events: this.recent.list() } };
  }
}
