import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** What a replica shares about a token. */
export interface SharedToken {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms when the request was sent (gives the lifetime). */
  obtainedAt: number;
}

const VERSION = 'v1';

/**
 * Encrypts tokens before they reach a shared store (AES-256-GCM, random 96-bit IV, the store
 * key as additional data so a value cannot be moved to another key). The key is derived with
 * HKDF-SHA256 from the configured key material (by default the client secret, which every
 * replica has and a reader of the store does not).
 */
export class TokenSealer {
  private readonly key: Buffer;

  constructor(keyMaterial: string, clientId: string) {
    this.key = Buffer.from(
      hkdfSync('sha256', keyMaterial, 'honeybee-auth/token-store', `aes-256-gcm:${clientId}`, 32),
    );
  }

  seal(storeKey: string, token: SharedToken): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(storeKey));
    const plain = JSON.stringify({ t: token.accessToken, e: token.expiresAt, o: token.obtainedAt });
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv, ct, cipher.getAuthTag()]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The token, or undefined when the value is not ours, tampered with or malformed. */
  open(storeKey: string, value: string): SharedToken | undefined {
    const [version, iv, ct, tag] = value.split('.');
    if (version !== VERSION || !iv || !ct || !tag) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'))
        .setAAD(Buffer.from(storeKey))
        .setAuthTag(Buffer.from(tag, 'base64url'));
      const plain = Buffer.concat([
        decipher.update(Buffer.from(ct, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
      const p = JSON.parse(plain) as { t?: unknown; e?: unknown; o?: unknown };
      if (typeof p.t !== 'string' || typeof p.e !== 'number' || typeof p.o !== 'number') {
        return undefined;
      }
      return { accessToken: p.t, expiresAt: p.e, obtainedAt: p.o };
    } catch {
      return undefined;
    }
  }
}

/**
 * The store key of a scope set: namespaced by token URL, client id and scopes, hashed so no
 * identifier appears in the store.
 */
export function storeKeyOf(
  prefix: string,
  tokenUrl: string,
  clientId: string,
  scopeKey: string,
): string {
  const digest = createHash('sha256')
    .update(`${tokenUrl}\n${clientId}\n${scopeKey}`)
    .digest('base64url');
  return `${prefix}${digest}`;
}
