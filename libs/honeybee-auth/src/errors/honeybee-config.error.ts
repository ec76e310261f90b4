/**
 * Thrown at start-up when an option of `HoneybeeAuthModule` is missing or invalid.
 * `field` names the option (for example `inbound.jwt.issuer`); the message never contains
 * a secret value.
 */
export class HoneybeeConfigError extends Error {
  override readonly name = 'HoneybeeConfigError';

  constructor(
    /** The option at fault, as a dotted path. */
    readonly field: string,
    problem: string,
  ) {
    super(`HoneybeeAuthModule option "${field}" ${problem}`);
  }
}
