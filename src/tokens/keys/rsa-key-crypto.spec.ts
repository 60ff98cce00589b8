import { createPublicKey, randomBytes, sign, verify } from 'node:crypto';

import { calculateJwkThumbprint } from 'jose';

import { decryptPrivateKey, encryptPrivateKey, generateSigningKey, publicJwkOf } from './key-crypto';

describe('RS256 signing keys (id_tokens for clients that registered RS256)', () => {
  const kek = randomBytes(32);
  const key = generateSigningKey('RS256');

  it('kid is the RFC 7638 thumbprint over {"e","kty","n"} (checked against jose)', async () => {
    expect(key.kid).toBe(
      await calculateJwkThumbprint({ kty: 'RSA', e: key.publicJwk.e, n: key.publicJwk.n }),
    );
  });

  it('publishes only the public members, 2048-bit, with alg RS256', () => {
    expect(Object.keys(key.publicJwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(key.publicJwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(Buffer.from(key.publicJwk.n, 'base64url').length * 8).toBe(2048);
    expect(publicJwkOf(createPublicKey(key.privateKey))).toEqual(key.publicJwk);
  });

  it('round-trips through the same encryption at rest, bound to its kid', () => {
    const restored = decryptPrivateKey(encryptPrivateKey(key.privatePem, kek, key.kid), kek, key.kid);
    const signature = sign('sha256', Buffer.from('hello'), restored);
    expect(verify('sha256', Buffer.from('hello'), key.publicKey, signature)).toBe(true);
    const other = generateSigningKey();
    expect(() =>
      decryptPrivateKey(encryptPrivateKey(key.privatePem, kek, other.kid), kek, other.kid),
    ).toThrow();
  });
});
