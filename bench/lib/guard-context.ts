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

/**
 * A new `GET /rx` request with `Authorization: Bearer <token>`, as an HTTP execution context.
 * A class, like Nest's own `ExecutionContextHost`: closures built per call would each cost a
 * `__name` call under tsx, charged to the guard being measured.
 */
export function guardContext(token: string): ExecutionContext {
  return new HttpContext(token) as unknown as ExecutionContext;
}

class HttpContext {
  private readonly request: object;
  private readonly response = RESPONSE;

  constructor(token: string) {
    this.request = { method: 'GET', url: '/rx', headers: { authorization: `Bearer ${token}` } };
  }

  getType(): string {
    return 'http';
  }
  getClass(): unknown {
    return RxController;
  }
  getHandler(): unknown {
    return HANDLER;
  }
  getArgs(): unknown[] {
    return [this.request, this.response];
  }
  getArgByIndex(i: number): unknown {
    return i === 0 ? this.request : i === 1 ? this.response : undefined;
  }
  switchToHttp(): this {
    return this;
  }
  getRequest(): object {
    return this.request;
  }
  getResponse(): object {
    return this.response;
  }
  getNext(): undefined {
    return undefined;
  }
  switchToRpc(): never {
    throw new Error('not rpc');
  }
  switchToWs(): never {
    throw new Error('not ws');
  }
}

const HANDLER = RxController.prototype.get;
/** Refusals set headers on it; nothing reads them back. */
const RESPONSE = { setHeader: () => undefined, header: () => undefined };
