import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Compact signed session tokens: `gd1.<payload>.<signature>`, base64url, HMAC-SHA256.
 * The payload names the user and the session; the server still checks that
 * the session has not been revoked, so logging out takes effect at once.
 */

export interface TokenClaims {
  /** Matrix user ID. */
  sub: string;
  /** Session ID (a row in `sessions`). */
  sid: string;
  /** Issued at / expires at, seconds since the epoch. */
  iat: number;
  exp: number;
}

const PREFIX = 'gd1';

export type TokenProblem = 'malformed' | 'bad_signature' | 'expired';

export class TokenSigner {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length < 32) throw new Error('the session signing key must have at least 32 bytes');
    this.#key = key;
  }

  #mac(payload: string): Buffer {
    return createHmac('sha256', this.#key).update(`${PREFIX}.${payload}`).digest();
  }

  sign(claims: TokenClaims): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${PREFIX}.${payload}.${this.#mac(payload).toString('base64url')}`;
  }

  verify(token: string, nowSeconds = Math.floor(Date.now() / 1000)): { claims: TokenClaims } | { problem: TokenProblem } {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== PREFIX) return { problem: 'malformed' };
    const [, payload, signature] = parts as [string, string, string];
    const given = Buffer.from(signature, 'base64url');
    const expected = this.#mac(payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { problem: 'bad_signature' };
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return { problem: 'malformed' };
    }
    if (!isClaims(claims)) return { problem: 'malformed' };
    if (claims.exp <= nowSeconds) return { problem: 'expired' };
    return { claims };
  }
}

function isClaims(value: unknown): value is TokenClaims {
  const claims = value as Partial<TokenClaims> | null;
  return (
    typeof claims === 'object' &&
    claims !== null &&
    typeof claims.sub === 'string' &&
    typeof claims.sid === 'string' &&
    Number.isInteger(claims.iat) &&
    Number.isInteger(claims.exp)
  );
}
