import { generateKeyPairSync } from 'node:crypto';

import { compactVerify, decodeProtectedHeader } from 'jose';
import { verify } from 'jsonwebtoken';

import { encodeJwsPart, signCompactEs256 } from './jws';

describe('signCompactEs256 (RFC 7515 §7.1, RFC 7518 §3.4)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const header = { alg: 'ES256', typ: 'at+jwt', kid: 'k1' };
  const claims = { iss: 'https://id.example', sub: 'u1', scope: 'read:user', exp: 4102444800, iat: 1 };

  it('produces a token jose and jsonwebtoken both verify, with the header and claims as given', async () => {
    const token = signCompactEs256(encodeJwsPart(header), claims, privateKey);
    const { payload } = await compactVerify(token, publicKey);
    expect(JSON.parse(Buffer.from(payload).toString('utf8'))).toEqual(claims);
    expect(decodeProtectedHeader(token)).toEqual(header);
    expect(verify(token, publicKey, { algorithms: ['ES256'] })).toEqual(claims);
  });

  it('emits a 64-byte R || S signature (not DER) and no padding', () => {
    const token = signCompactEs256(encodeJwsPart(header), claims, privateKey);
    const parts = token.split('.');
    expect(parts).toHaveLength(3);
    expect(token).not.toContain('=');
    expect(Buffer.from(parts[2], 'base64url')).toHaveLength(64);
  });

  it('does not verify under another key or with a changed payload', async () => {
    const token = signCompactEs256(encodeJwsPart(header), claims, privateKey);
    await expect(compactVerify(token, other.publicKey)).rejects.toThrow();
    const [h, , s] = token.split('.');
    const forged = `${h}.${encodeJwsPart({ ...claims, scope: 'write:projects' })}.${s}`;
    await expect(compactVerify(forged, publicKey)).rejects.toThrow();
  });

  it('encodes non-ASCII claims as UTF-8', async () => {
    const token = signCompactEs256(encodeJwsPart(header), { name: 'Zoë' }, privateKey);
    const { payload } = await compactVerify(token, publicKey);
    expect(JSON.parse(Buffer.from(payload).toString('utf8'))).toEqual({ name: 'Zoë' });
  });
});
