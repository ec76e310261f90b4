import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/**
 * The body of a request whose JSON could not be parsed. The route's validation pipe turns it
 * into a 400 *after* the guards have run, so a caller without a valid token (or a webhook
 * without the right secret) gets 401, not a 400 that answers before anyone is authenticated.
 */
export class InvalidJsonBody {
  constructor(readonly reason: string) {}
}

/** Largest accepted JSON body. */
export const JSON_BODY_LIMIT = '100kb';

/**
 * Express settings shared by `main.ts` and the e2e tests. The application must be created
 * with `bodyParser: false`: the JSON parser is registered here, followed by an error handler
 * that replaces an unparseable body with {@link InvalidJsonBody} (too large a body is still
 * refused at once, with 413).
 */
export function configureHttp(app: NestExpressApplication): void {
  const logger = new Logger('HTTP');
  app.disable('x-powered-by');
  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.on('finish', () => {
      // The path only: a query string may carry anything, a token included.
      const path = req.originalUrl.split('?')[0];
      const ms = Math.round(performance.now() - started);
      logger.log(`${req.method} ${path} ${res.statusCode} ${ms}ms`);
    });
    next();
  });
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  app.use((error: unknown, req: Request, _res: Response, next: NextFunction) => {
    const parseError = error as { type?: string; message?: string } | undefined;
    if (parseError?.type !== 'entity.parse.failed') return next(error);
    req.body = new InvalidJsonBody(parseError.message ?? 'unparseable');
    next();
  });
}
