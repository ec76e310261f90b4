import type { Clock } from '../common/clock.js';
import { clientAuthenticatedForm } from '../common/http.js';
import { credentialForms } from '../common/secret.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import type { HoneybeePrincipal, TokenVerifier } from './token-verifier.interface.js';
import { introspectionPrincipal } from './introspection-answer.parser.js';
import { fetchVerifierResponse, okJsonObject, unavailableAnswer } from './verifier-fetch.js';

const WHAT = 'Introspection request';

/**
 * The `introspection` verifier: RFC 7662 `POST /oauth/introspect` with the form fields
 * `token` and `token_type_hint=access_token`, authenticated with this module's client
 * credentials by exactly one method (`clientAuthMethod`).
 *
 * - 200 `active: true` with a `scope` string ({@link introspectionPrincipal}): valid. `scope`
 *   is a space-delimited **string** here; `client_id`, `sub` and `exp` (epoch seconds) are
 *   read when present.
 * - 200 `active: false`, or an active token whose `exp` has passed: invalid (`null`).
 * - a 200 of any other shape: unavailable (503, never cached).
 * - 400, 401 or 403: the server refused *our* credentials, which says nothing about the
 *   token: unavailable (503), never "invalid token".
 * - anything else, a timeout, a network error or an unreadable 200: unavailable.
 *
 * Doorkeeper lets a client introspect only tokens of its own application by default: tokens
 * issued to other clients then come back `active: false`.
 */
export class IntrospectionVerifier implements TokenVerifier {
  constructor(
    private readonly options: ResolvedHoneybeeAuthOptions,
    private readonly clock: Clock,
  ) {}

  /** @inheritDoc */
  async verify(token: string, signal?: AbortSignal): Promise<HoneybeePrincipal | null> {
    const { introspectionUrl, verifyTimeoutMs } = this.options.inbound;
    const request = clientAuthenticatedForm(this.options, {
      token,
      token_type_hint: 'access_token',
    });

    const res = await fetchVerifierResponse(
      WHAT,
      introspectionUrl,
      { method: 'POST', ...request },
      verifyTimeoutMs,
      signal,
      [token, ...credentialForms(this.options.clientId, this.options.clientSecret.reveal())],
    );
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      throw unavailableAnswer(
        WHAT,
        res,
        `the endpoint refused this module's client credentials (HTTP ${res.status}); ` +
          'check clientId, clientSecret and clientAuthMethod',
        'http',
      );
    }
    return introspectionPrincipal(okJsonObject(WHAT, res), this.clock.now(), (why) =>
      unavailableAnswer(WHAT, res, `the answer is not an RFC 7662 introspection answer: ${why}`),
    );
  }
}
