import { createPublicKey, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';

import { calculateJwkThumbprint } from 'jose';

import {
  decryptPrivateKey,
  encryptPrivateKey,
  generateSigningKey,
  jwkThumbprint,
  publicJwkOf,
  SigningKeyDecryptionError,
} from './key-crypto';

describe('signing key crypto', () => {
  const kek = randomBytes(32);

  it('computes the RFC 7638 thumbprint over {"crv","kty","x","y"} (checked against jose)', async () => {
    const key = generateSigningKey();
    const jwk = { kty: 'EC', crv: 'P-256', x: key.publicJwk.x, y: key.publicJwk.y };
    expect(key.kid).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
    // Member order and extra members do not change it (RFC 7638 §3.2).
    expect(jwkThumbprint({ y: jwk.y, x: jwk.x, kty: 'EC', crv: 'P-256' })).toBe(key.kid);
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('publishes only public members, with kid, alg and use', () => {
    const key = generateSigningKey();
    expect(Object.keys(key.publicJwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(publicJwkOf(createPublicKey(key.privateKey))).toEqual(key.publicJwk);
  });

  it('round-trips the private key through AES-256-GCM as v1.<iv>.<tag>.<ciphertext>', () => {
    const key = generateSigningKey();
    const stored = encryptPrivateKey(key.privatePem, kek, key.kid);
    expect(stored).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(stored).not.toContain('PRIVATE KEY');
    // A fresh IV every time: the same key never encrypts to the same text.
    expect(encryptPrivateKey(key.privatePem, kek, key.kid)).not.toBe(stored);
    const restored = decryptPrivateKey(stored, kek, key.kid);
    const signature = sign('sha256', Buffer.from('hello'), restored);
    expect(verify('sha256', Buffer.from('hello'), key.publicKey, signature)).toBe(true);
  });

  it('refuses another APP_SECRET, a tampered text or a row copied to another kid', () => {
    const key = generateSigningKey();
    const other = generateSigningKey();
    const stored = encryptPrivateKey(key.privatePem, kek, key.kid);
    expect(() => decryptPrivateKey(stored, randomBytes(32), key.kid)).toThrow(SigningKeyDecryptionError);
    expect(() => decryptPrivateKey(stored, kek, other.kid)).toThrow(SigningKeyDecryptionError);
    const parts = stored.split('.');
    const flipped = Buffer.from(parts[3], 'base64url');
    flipped[0] ^= 1;
    parts[3] = flipped.toString('base64url');
    expect(() => decryptPrivateKey(parts.join('.'), kek, key.kid)).toThrow(SigningKeyDecryptionError);
    expect(() => decryptPrivateKey('garbage', kek, key.kid)).toThrow(SigningKeyDecryptionError);
    expect(() => decryptPrivateKey('v1.a.b.c', kek, key.kid)).toThrow(SigningKeyDecryptionError);
  });

  it('refuses a decryptable key whose public half is not the kid', () => {
    const key = generateSigningKey();
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const pem = stranger.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => decryptPrivateKey(encryptPrivateKey(pem, kek, key.kid), kek, key.kid)).toThrow(
      SigningKeyDecryptionError,
    );
  });

  it('names the operator problem in one line', () => {
    expect(new SigningKeyDecryptionError().message).toBe(
      'config: APP_SECRET does not match the one the signing keys were encrypted with',
    );
  });
});
