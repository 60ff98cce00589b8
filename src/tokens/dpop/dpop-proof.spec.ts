import { generateKeyPairSync, sign } from 'node:crypto';

import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

import { accessTokenHash, DpopProofError, type DpopProofExpectations, verifyDpopProof } from './dpop-proof';

const HTU = 'https://id.example.com/oauth2/token';
const NOW = 1_800_000_000;
const expect_: DpopProofExpectations = { htm: 'POST', htu: HTU, now: NOW, maxAge: 60, futureSkew: 5 };

type Alg = 'ES256' | 'EdDSA' | 'RS256';

async function keyFor(alg: Alg) {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  return { privateKey, jwk: await exportJWK(publicKey) };
}

async function proof(
  alg: Alg,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  key?: Awaited<ReturnType<typeof keyFor>>,
): Promise<{ proof: string; jwk: JWK }> {
  const k = key ?? (await keyFor(alg));
  const jwt = await new SignJWT({ jti: `jti-${Math.random()}`, htm: 'POST', htu: HTU, iat: NOW, ...claims })
    .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: k.jwk, ...header })
    .sign(k.privateKey);
  return { proof: jwt, jwk: k.jwk };
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DpopProofError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('verifyDpopProof (RFC 9449 §4.3)', () => {
  it.each(['ES256', 'EdDSA', 'RS256'] as const)(
    'accepts a %s proof and returns its RFC 7638 thumbprint',
    async (alg) => {
      const { proof: p, jwk } = await proof(alg);
      const verified = verifyDpopProof(p, expect_);
      expect(verified.jkt).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
      expect(verified.iat).toBe(NOW);
    },
  );

  it('refuses a wrong htm or htu, and compares htu without query or fragment', async () => {
    expect(refusal(() => verifyDpopProof(p1, { ...expect_, htm: 'GET' }))).toMatch(/htm/);
    expect(
      refusal(() => verifyDpopProof(p1, { ...expect_, htu: 'https://id.example.com/oauth2/other' })),
    ).toMatch(/htu/);
    const withQuery = (await proof('ES256', { htu: `${HTU}?x=1#f` })).proof;
    expect(verifyDpopProof(withQuery, expect_).jti).toMatch(/^jti-/);
  });

  let p1: string;
  beforeAll(async () => {
    p1 = (await proof('ES256')).proof;
  });

  it('refuses stale and future proofs', async () => {
    const old = (await proof('ES256', { iat: NOW - 61 })).proof;
    expect(refusal(() => verifyDpopProof(old, expect_))).toMatch(/too old/);
    const future = (await proof('ES256', { iat: NOW + 6 })).proof;
    expect(refusal(() => verifyDpopProof(future, expect_))).toMatch(/future/);
  });

  it('refuses a missing jti, a wrong typ, an unsupported alg and a private jwk', async () => {
    expect(refusal(() => verifyDpopProof(p1.replace(/^[^.]+/, ''), expect_))).toBeTruthy();
    const noJti = (await proof('ES256', { jti: undefined })).proof;
    expect(refusal(() => verifyDpopProof(noJti, expect_))).toMatch(/jti/);
    const typ = (await proof('ES256', {}, { typ: 'JWT' })).proof;
    expect(refusal(() => verifyDpopProof(typ, expect_))).toMatch(/typ/);
    const k = await keyFor('ES256');
    const priv = await exportJWK(k.privateKey);
    const withPrivate = (await proof('ES256', {}, { jwk: priv }, k)).proof;
    expect(refusal(() => verifyDpopProof(withPrivate, expect_))).toMatch(/public key/);
    // HS256 (a MAC) and `none` are never accepted.
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: k.jwk })).toString(
      'base64url',
    );
    const body = Buffer.from(JSON.stringify({ jti: 'a', htm: 'POST', htu: HTU, iat: NOW })).toString(
      'base64url',
    );
    expect(refusal(() => verifyDpopProof(`${header}.${body}.`, expect_))).toMatch(/alg/);
  });

  it('refuses a proof signed by another key than its jwk, and RSA keys under 2048 bits', async () => {
    const a = await keyFor('ES256');
    const b = await keyFor('ES256');
    const forged = (await proof('ES256', {}, { jwk: b.jwk }, a)).proof;
    expect(refusal(() => verifyDpopProof(forged, expect_))).toMatch(/signature/);

    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const jwk = small.publicKey.export({ format: 'jwk' });
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${enc({ alg: 'RS256', typ: 'dpop+jwt', jwk })}.${enc({ jti: 'x', htm: 'POST', htu: HTU, iat: NOW })}`;
    const sig = sign('sha256', Buffer.from(input), small.privateKey).toString('base64url');
    expect(refusal(() => verifyDpopProof(`${input}.${sig}`, expect_))).toMatch(/2048/);
  });

  it('checks ath against the access token when one is presented', async () => {
    const token = 'eyJ.access.token';
    const bound = (await proof('ES256', { ath: accessTokenHash(token) })).proof;
    expect(verifyDpopProof(bound, { ...expect_, accessToken: token }).jkt).toBeTruthy();
    expect(refusal(() => verifyDpopProof(bound, { ...expect_, accessToken: 'another' }))).toMatch(/ath/);
    expect(refusal(() => verifyDpopProof(p1, { ...expect_, accessToken: token }))).toMatch(/ath/);
  });

  it('refuses garbage without throwing anything else', () => {
    for (const bad of ['', 'a.b', 'a.b.c', '!!.!!.!!', 'x'.repeat(5000)]) {
      expect(refusal(() => verifyDpopProof(bad, expect_))).toBeTruthy();
    }
  });
});
