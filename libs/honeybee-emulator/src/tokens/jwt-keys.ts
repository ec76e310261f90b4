import { randomUUID } from 'node:crypto';
import { SignJWT, base64url, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JSONWebKeySet, JWK, JWTHeaderParameters, JWTPayload } from 'jose';

/** Signature algorithms the emulator can sign access tokens with. */
export type JwtAlgorithm = 'RS256' | 'ES256';

/** A signing key pair held by the emulator. */
interface SigningKey {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/** Options of {@link JwtKeyRing.rotate}. */
export interface RotateKeysOptions {
  /**
   * Drop the previous key from the JWKS at once, so tokens it signed stop verifying. When
   * `false`, the previous key stays published next to the new one (a grace period lasting until
   * the next rotation).
   * @default false
   */
  dropPrevious?: boolean;
  /**
   * Algorithm of the new key.
   * @default the algorithm of the current key
   */
  algorithm?: JwtAlgorithm;
}

/** Which key {@link JwtKeyRing.sign} uses. */
export type SigningKeyChoice =
  /** The current key (published in the JWKS). */
  | 'current'
  /** The previous key, still published after a rotation unless dropped. */
  | 'previous'
  /** A throwaway key of the same algorithm, with the current `kid`: the signature cannot verify. */
  | 'foreign';

/**
 * The signing keys of one emulator: a current key, and after {@link rotate} the previous one,
 * published together as a JWKS. Keys are generated lazily, on first use.
 */
export class JwtKeyRing {
  #algorithm: JwtAlgorithm;
  #current: SigningKey | undefined;
  #previous: SigningKey | undefined;
  // Serialises generation and rotation so concurrent callers never see a half-rotated ring.
  #queue: Promise<unknown> = Promise.resolve();

  /** @param algorithm - Algorithm of the first key. */
  constructor(algorithm: JwtAlgorithm) {
    this.#algorithm = algorithm;
  }

  /** The current key, generating it on first use. */
  async current(): Promise<{ kid: string; alg: JwtAlgorithm }> {
    const key = await this.#currentKey();
    return { kid: key.kid, alg: key.alg };
  }

  /** The public keys as a JWKS: the current key first, then the previous one if kept. */
  async jwks(): Promise<JSONWebKeySet> {
    const current = await this.#currentKey();
    const keys = [current, this.#previous].filter((key): key is SigningKey => key !== undefined);
    return { keys: keys.map((key) => ({ ...key.publicJwk })) };
  }

  /** Replaces the current key by a new one and returns the new `kid`. */
  async rotate(options: RotateKeysOptions = {}): Promise<string> {
    return this.#serialise(async () => {
      const old = this.#current;
      const next = await createKey(options.algorithm ?? old?.alg ?? this.#algorithm);
      this.#algorithm = next.alg;
      this.#previous = options.dropPrevious ? undefined : old;
      this.#current = next;
      return next.kid;
    });
  }

  /**
   * Signs a JWT. `header` is merged over `{ alg, kid, typ }`; `alg` must stay the key's.
   *
   * @throws Error when `previous` is asked for and there is no previous key.
   */
  async sign(
    payload: JWTPayload,
    header: Partial<JWTHeaderParameters> = {},
    choice: SigningKeyChoice = 'current',
  ): Promise<string> {
    const current = await this.#currentKey();
    let key: SigningKey;
    if (choice === 'previous') {
      if (!this.#previous) throw new Error('There is no previous signing key to sign with');
      key = this.#previous;
    } else if (choice === 'foreign') {
      key = { ...(await createKey(current.alg)), kid: current.kid };
    } else {
      key = current;
    }
    return new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
      .sign(key.privateKey);
  }

  async #currentKey(): Promise<SigningKey> {
    if (this.#current) return this.#current;
    return this.#serialise(async () => {
      this.#current ??= await createKey(this.#algorithm);
      return this.#current;
    });
  }

  #serialise<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** An unsecured (`alg: none`) JWT, for tests of verifiers that must refuse it. */
export function encodeUnsecuredJwt(
  payload: JWTPayload,
  header: Record<string, unknown> = {},
): string {
  const encode = (value: unknown): string => base64url.encode(JSON.stringify(value));
  return `${encode({ typ: 'JWT', ...header, alg: 'none' })}.${encode(payload)}.`;
}

/** A fresh random JWT ID. */
export function newJti(): string {
  return randomUUID();
}

async function createKey(alg: JwtAlgorithm): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return Object.freeze({
    kid,
    alg,
    privateKey,
    publicJwk: Object.freeze({ ...jwk, kid, alg, use: 'sig' }),
  });
}
