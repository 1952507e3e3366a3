import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TokenSigner, type TokenClaims } from '../../src/auth/tokens.ts';

const key = randomBytes(32);
const signer = new TokenSigner(key);
const NOW = 1_780_000_000;
const claims: TokenClaims = { sub: '@zhangwei:gd.gov.cn', sid: 'c2Vzc2lvbi1pZA', iat: NOW, exp: NOW + 900 };

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');
/** A token signed with the real key over an arbitrary payload: what only a holder of the key could make. */
const signedPayload = (payload: string) => `gd1.${payload}.${createHmac('sha256', key).update(`gd1.${payload}`).digest('base64url')}`;

describe('session tokens', () => {
  it('verifies what it signed and returns the claims', () => {
    const token = signer.sign(claims);
    expect(token).toMatch(/^gd1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(signer.verify(token, NOW)).toEqual({ claims });
  });

  it('expires at exp, not a second later', () => {
    const token = signer.sign(claims);
    expect(signer.verify(token, claims.exp - 1)).toEqual({ claims });
    expect(signer.verify(token, claims.exp)).toEqual({ problem: 'expired' });
    expect(signer.verify(token, claims.exp + 3600)).toEqual({ problem: 'expired' });
  });

  it('refuses altered claims with the original signature', () => {
    const [prefix, , signature] = signer.sign(claims).split('.');
    for (const altered of [{ ...claims, sub: '@wangqiang:gd.gov.cn' }, { ...claims, exp: claims.exp + 86_400 }, { ...claims, sid: 'another-session' }]) {
      expect(signer.verify(`${prefix}.${b64(JSON.stringify(altered))}.${signature}`, NOW)).toEqual({ problem: 'bad_signature' });
    }
  });

  it('refuses a signature made with another key, a flipped signature bit and a truncated signature', () => {
    expect(new TokenSigner(randomBytes(32)).verify(signer.sign(claims), NOW)).toEqual({ problem: 'bad_signature' });
    const [prefix, payload, signature] = signer.sign(claims).split('.') as [string, string, string];
    const bytes = Buffer.from(signature, 'base64url');
    bytes[0] = (bytes[0] as number) ^ 1;
    expect(signer.verify(`${prefix}.${payload}.${bytes.toString('base64url')}`, NOW)).toEqual({ problem: 'bad_signature' });
    expect(signer.verify(`${prefix}.${payload}.${signature.slice(0, 20)}`, NOW)).toEqual({ problem: 'bad_signature' });
    expect(signer.verify(`${prefix}.${payload}.`, NOW)).toEqual({ problem: 'bad_signature' });
  });

  it('refuses tokens of another shape', () => {
    const token = signer.sign(claims);
    for (const malformed of ['', 'gd1', token.replace(/^gd1/, 'gd2'), `${token}.extra`, token.split('.').slice(1).join('.'), `Bearer ${token}`]) {
      expect(signer.verify(malformed, NOW), malformed).toEqual({ problem: 'malformed' });
    }
  });

  it('refuses a correctly signed payload that is not a set of claims', () => {
    // Defence in depth should the key ever sign something else: the claims are checked, not trusted.
    expect(signer.verify(signedPayload(b64('not json')), NOW)).toEqual({ problem: 'malformed' });
    expect(signer.verify(signedPayload(b64('null')), NOW)).toEqual({ problem: 'malformed' });
    expect(signer.verify(signedPayload(b64(JSON.stringify({ sub: claims.sub, sid: claims.sid, iat: NOW }))), NOW)).toEqual({ problem: 'malformed' });
    expect(signer.verify(signedPayload(b64(JSON.stringify({ ...claims, exp: 'never' }))), NOW)).toEqual({ problem: 'malformed' });
    expect(signer.verify(signedPayload(b64(JSON.stringify({ ...claims, exp: NOW + 0.5 }))), NOW)).toEqual({ problem: 'malformed' });
    expect(signer.verify(signedPayload(b64(JSON.stringify({ ...claims, sub: 42 }))), NOW)).toEqual({ problem: 'malformed' });
  });

  it('wants a key of at least 32 bytes', () => {
    expect(() => new TokenSigner(randomBytes(31))).toThrow(/32 bytes/);
  });
});
