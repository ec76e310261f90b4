import { Catch, Inject, Logger } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AxiosError } from 'axios';
import { HoneybeeTokenError } from 'nestjs-honeybee-auth';
import { HoneybeeUpstreamException, toUpstreamException } from './honeybee-upstream.exception.js';

/**
 * Answers every failed Honeybee call: a {@link HoneybeeUpstreamException} thrown by
 * `PartnersApiClient`, or, as a backstop for a call made elsewhere, a raw `AxiosError` or
 * `HoneybeeTokenError` (mapped by {@link toUpstreamException}); on a GraphQL query it returns
 * the mapped exception for GraphQL to report as an error. Sets `Retry-After` when
 * Honeybee asked us to wait, and logs Honeybee's `X-Request-Id` (never a token: the messages
 * are built here, not taken from the error's config).
 */
@Catch(HoneybeeUpstreamException, AxiosError, HoneybeeTokenError)
export class HoneybeeExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Honeybee');

  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): HoneybeeUpstreamException | void {
    const mapped = toUpstreamException(exception)!;
    const status = mapped.getStatus();
    const body = mapped.getResponse() as { message: string | string[] };
    const id = mapped.honeybeeRequestId
      ? ` (Honeybee X-Request-Id ${mapped.honeybeeRequestId})`
      : '';
    const outcome = `${status}: ${[body.message].flat().join('; ')}${id}`;

    if (host.getType() !== 'http') {
      // GraphQL (the only other context here that calls Honeybee) turns the returned exception
      // into an entry of `errors`.
      this.logger[status >= 500 ? 'warn' : 'log'](`${host.getType()} -> ${outcome}`);
      return mapped;
    }
    const http = host.switchToHttp();
    const request = http.getRequest<{ method?: string; url?: string }>();
    const response = http.getResponse<unknown>();
    const adapter = this.adapterHost.httpAdapter;
    const path = (request.url ?? '').split('?')[0];
    const line = `${request.method} ${path} -> ${outcome}`;
    if (status >= 500) this.logger.warn(line);
    else this.logger.log(line);

    if (mapped.retryAfterSeconds !== undefined) {
      adapter.setHeader(response, 'Retry-After', String(mapped.retryAfterSeconds));
    }
    adapter.reply(response, body, status);
  }
}
