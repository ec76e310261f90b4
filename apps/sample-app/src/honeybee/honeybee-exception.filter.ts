import { Catch, Inject, Logger } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AxiosError } from 'axios';
import { HoneybeeTokenError } from 'nestjs-honeybee-auth';
import { HoneybeeUpstreamException, toUpstreamException } from './honeybee-upstream.exception.js';

/**
 * Answers every failed Honeybee call: a {@link HoneybeeUpstreamException} thrown by
 * `PartnersApiClient`, or, as a backstop for a call made elsewhere, a raw `AxiosError` or
 * `HoneybeeTokenError` (mapped by {@link toUpstreamException}). Sets `Retry-After` when
 * Honeybee asked us to wait, and logs Honeybee's `X-Request-Id` (never a token: the messages
 * are built here, not taken from the error's config).
 */
@Catch(HoneybeeUpstreamException, AxiosError, HoneybeeTokenError)
export class HoneybeeExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Honeybee');

  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<{ method?: string; url?: string }>();
    const response = http.getResponse<unknown>();
    const adapter = this.adapterHost.httpAdapter;
    const mapped = toUpstreamException(exception)!;
    const status = mapped.getStatus();
    const body = mapped.getResponse() as { message: string | string[] };

    const path = (request.url ?? '').split('?')[0];
    const id = mapped.honeybeeRequestId
      ? ` (Honeybee X-Request-Id ${mapped.honeybeeRequestId})`
      : '';
    const line = `${request.method} ${path} -> ${status}: ${[body.message].flat().join('; ')}${id}`;
    if (status >= 500) this.logger.warn(line);
    else this.logger.log(line);

    if (mapped.retryAfterSeconds !== undefined) {
      adapter.setHeader(response, 'Retry-After', String(mapped.retryAfterSeconds));
    }
    adapter.reply(response, body, status);
  }
}
