/**
 * A guarded route and the HTTP execution context of one request to it, for the scenarios that
 * call `ScopesGuard.canActivate()` directly (no HTTP server: its sockets and parsers would only
 * add noise to what they measure).
 */
import { Controller, Get } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { RequireScopes } from 'nestjs-honeybee-auth';

/** `GET /rx`, open to anyone: the baseline of a guarded route. */
@Controller('rx')
export class OpenRxController {
  @Get()
  get() {
    return { ok: true };
  }
}

/** `GET /rx`, requiring the scope `rx:read`. */
@Controller('rx')
@RequireScopes('rx:read')
export class RxController {
  @Get()
  get() {
    return { ok: true };
  }
}

/** A new `GET /rx` request with `Authorization: Bearer <token>`, as an HTTP execution context. */
export function guardContext(token: string): ExecutionContext {
  const request = { method: 'GET', url: '/rx', headers: { authorization: `Bearer ${token}` } };
  const response = { setHeader: () => undefined, header: () => undefined };
  return {
    getType: () => 'http',
    getClass: () => RxController,
    getHandler: () => RxController.prototype.get,
    getArgs: () => [request, response],
    getArgByIndex: (i: number) => [request, response][i],
    switchToHttp: () => ({
      getRequest: () => request,
      getResponse: () => response,
      getNext: () => undefined,
    }),
    switchToRpc: () => {
      throw new Error('not rpc');
    },
    switchToWs: () => {
      throw new Error('not ws');
    },
  } as unknown as ExecutionContext;
}
