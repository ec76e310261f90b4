import type { Clock } from '../common/clock.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import type { HoneybeePrincipal, TokenVerifier } from './token-verifier.interface.js';
import { tokenInfoPrincipal } from './token-info-answer.parser.js';
import { fetchVerifierResponse, okJsonObject, unavailableAnswer } from './verifier-fetch.js';

const WHAT = 'Token-info request';

/**
 * The `token-info` verifier: Doorkeeper's `GET /oauth/token/info`, authenticated with the token
 * being checked (no client credentials needed).
 *
 * - 200 in Doorkeeper's shape ({@link tokenInfoPrincipal}): valid. `scope` is an **array**
 *   here; `application.uid` is the client id; `expires_in` is the *remaining* lifetime, so the
 *   expiry is local send time + `expires_in`.
 * - 401: invalid, expired or revoked (`null`).
 * - anything else, a 200 of any other shape, a timeout or a network error: unavailable (503,
 *   never cached): an answer that is not token info cannot say that a token is valid.
 */
export class TokenInfoVerifier implements TokenVerifier {
  constructor(
    private readonly options: ResolvedHoneybeeAuthOptions,
    private readonly clock: Clock,
  ) {}

  /** @inheritDoc */
  async verify(token: string, signal?: AbortSignal): Promise<HoneybeePrincipal | null> {
    const { tokenInfoUrl, verifyTimeoutMs } = this.options.inbound;
    const sentAt = this.clock.now();
    const res = await fetchVerifierResponse(
      WHAT,
      tokenInfoUrl,
      {
        method: 'GET',
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      },
      verifyTimeoutMs,
      signal,
      [token],
    );
    if (res.status === 401) return null;
    return tokenInfoPrincipal(okJsonObject(WHAT, res), sentAt, (why) =>
      unavailableAnswer(WHAT, res, `the answer is not Doorkeeper's token info: ${why}`),
    );
  }
}
