import type { LoggerService } from '@nestjs/common';
import { maskToken } from '../common/secret.js';
import { printable } from '../common/upstream-text.js';
import type { ResolvedInboundOptions } from '../options/resolved-options.js';
import type { HoneybeePrincipal } from './token-verifier.interface.js';

/**
 * Whether `principal`'s token may be used here: `inbound.allowedClientIds` lists the OAuth
 * clients whose tokens this service accepts, and a token of any other client is answered as
 * an invalid token (401). Without the option every client's token is accepted.
 *
 * The client is what the verifier reports: token-info's `application.uid`, introspection's
 * `client_id`, a JWT's `client_id` (else `azp`), a custom verifier's `clientId`. A token whose
 * client is unknown is refused whenever a list is set.
 */
export function isAllowedClient(
  allowed: ReadonlySet<string> | undefined,
  principal: HoneybeePrincipal,
): boolean {
  return (
    allowed === undefined || (principal.clientId !== undefined && allowed.has(principal.clientId))
  );
}

/**
 * `principal`, or `null` (an invalid token) when its client is not allowed; a refusal is one
 * `debug` line naming the client (once per verification: the negative verdict is then cached).
 */
export function allowedOrNull(
  inbound: Pick<ResolvedInboundOptions, 'allowedClientIds'>,
  principal: HoneybeePrincipal,
  token: string,
  logger: LoggerService,
): HoneybeePrincipal | null {
  if (isAllowedClient(inbound.allowedClientIds, principal)) return principal;
  const client =
    principal.clientId === undefined
      ? 'is unknown'
      : `"${printable(principal.clientId, 80)}" is not`;
  logger.debug?.(
    `Token ${maskToken(token)} refused: its client ${client} in inbound.allowedClientIds`,
  );
  return null;
}

/** Configurations warned about already: a guard per module would otherwise repeat it. */
const warned = new WeakSet<object>();

/**
 * Warns once per configuration when `token-info` or `jwt` runs without `allowedClientIds`:
 * both accept a token issued to *any* client of the authorization server (another partner's,
 * or a leaked token of one of ours). Introspection is left out (Doorkeeper answers it only for
 * the caller's own tokens), and so is a custom verifier (it decides for itself).
 */
export function warnIfAnyClientAccepted(
  inbound: ResolvedInboundOptions,
  logger: LoggerService,
): void {
  const { verifier, allowedClientIds } = inbound;
  if (allowedClientIds !== undefined || (verifier !== 'token-info' && verifier !== 'jwt')) return;
  if (warned.has(inbound)) return;
  warned.add(inbound);
  logger.warn(
    `inbound.allowedClientIds is not set: the ${verifier} verifier accepts a valid token of ` +
      'ANY client of the authorization server (another partner, a leaked token). ' +
      'List the client ids whose tokens this service accepts.',
  );
}
