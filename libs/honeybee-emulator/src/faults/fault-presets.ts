import type { OAuthErrorCode } from '../emulator.errors.js';
import { oauthErrorHeaders, oauthErrorStatus } from '../oauth/oauth-errors.js';
import { OAUTH_ERROR_DESCRIPTIONS } from '../emulator.errors.js';
import type { Fault } from './faults.js';

/**
 * A fault that answers a Doorkeeper-shaped OAuth error, headers included; handy for codes the
 * emulator never produces by itself (`server_error`, `temporarily_unavailable`).
 *
 * @example
 * ```ts
 * emu.injectFault('token', oauthErrorFault('temporarily_unavailable'), { times: 1 }); // 503
 * ```
 */
export function oauthErrorFault(
  error: OAuthErrorCode,
  options: { status?: number; description?: string } = {},
): Fault {
  const description = options.description ?? OAUTH_ERROR_DESCRIPTIONS[error];
  return {
    status: options.status ?? oauthErrorStatus(error),
    body: { error, error_description: description },
    headers: {
      ...oauthErrorHeaders(error, description),
      'Content-Type': 'application/json; charset=utf-8',
    },
  };
}

/**
 * A fault that answers like a reverse proxy in front of Honeybee: an HTML error page with no
 * `X-Request-Id`.
 *
 * @param status - HTTP status.
 * @default 502
 */
export function htmlProxyErrorFault(status = 502): Fault {
  const title =
    status === 504 ? 'Gateway Time-out' : status === 503 ? 'Service Unavailable' : 'Bad Gateway';
  return {
    status,
    body: `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
    headers: { 'Content-Type': 'text/html', 'X-Request-Id': null },
  };
}
