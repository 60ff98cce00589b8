import {
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';

import { SigningKeysService } from '../../src/tokens/keys/signing-keys.service';
import { createUser } from '../factories/users';
import type { TestApp } from '../support/app';
import { http } from '../support/http';
import { bearer, bootJwtApp, issueToken } from './support';

/**
 * Known JWT attacks (RFC 8725 §2, and the classics: alg=none, HS256 key confusion, jku/jwk/x5u key
 * injection), each against GET /v1/user: every one must be 401 invalid_token, never 200 and never 500.
 * Tokens are built by hand with node:crypto so nothing in our stack helps the attacker or the test.
 */

const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** ES256 JWS (RFC 7515 §3.1 compact; RFC 7518 §3.4 raw r||s signature). */
function es256(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

function hs256(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

interface Ctx {
  t: TestApp;
  kid: string;
  ourKey: KeyObject;
  publicPem: string;
  attacker: { privateKey: KeyObject; kid: string; jwk: Record<string, unknown> };
  claims: () => Record<string, unknown>;
  header: () => Record<string, unknown>;
  valid: string;
}

const now = (): number => Math.floor(Date.now() / 1000);

const ATTACKS: [string, (c: Ctx) => string][] = [
  ['alg none', (c) => `${b64({ ...c.header(), alg: 'none' })}.${b64(c.claims())}.`],
  ['alg None', (c) => `${b64({ ...c.header(), alg: 'None' })}.${b64(c.claims())}.`],
  ['alg NONE', (c) => `${b64({ ...c.header(), alg: 'NONE' })}.${b64(c.claims())}.`],
  ['alg none with a junk signature', (c) => `${b64({ ...c.header(), alg: 'none' })}.${b64(c.claims())}.AAAA`],
  [
    'alg none, signature of a real token kept',
    (c) => `${b64({ ...c.header(), alg: 'none' })}.${b64(c.claims())}.${c.valid.split('.')[2]}`,
  ],
  [
    'HS256 signed with our public key PEM',
    (c) => hs256({ ...c.header(), alg: 'HS256' }, c.claims(), c.publicPem),
  ],
  [
    'HS256 signed with our public JWK JSON',
    (c) =>
      hs256(
        { ...c.header(), alg: 'HS256' },
        c.claims(),
        JSON.stringify(createPublicKey(c.publicPem).export({ format: 'jwk' })),
      ),
  ],
  [
    'jku header naming an attacker JWKS',
    (c) =>
      es256(
        { ...c.header(), kid: c.attacker.kid, jku: 'http://127.0.0.1:9/jwks.json' },
        c.claims(),
        c.attacker.privateKey,
      ),
  ],
  [
    'jku header with our kid',
    (c) => es256({ ...c.header(), jku: 'http://127.0.0.1:9/jwks.json' }, c.claims(), c.attacker.privateKey),
  ],
  [
    'jwk header embedding the attacker key',
    (c) =>
      es256({ ...c.header(), kid: c.attacker.kid, jwk: c.attacker.jwk }, c.claims(), c.attacker.privateKey),
  ],
  [
    'jwk header embedding the attacker key under our kid',
    (c) => es256({ ...c.header(), jwk: c.attacker.jwk }, c.claims(), c.attacker.privateKey),
  ],
  [
    'x5u header',
    (c) =>
      es256(
        { ...c.header(), kid: c.attacker.kid, x5u: 'http://127.0.0.1:9/cert.pem' },
        c.claims(),
        c.attacker.privateKey,
      ),
  ],
  [
    'x5c header',
    (c) =>
      es256({ ...c.header(), x5c: [randomBytes(64).toString('base64')] }, c.claims(), c.attacker.privateKey),
  ],
  // Even correctly signed by us: we implement no extensions, so crit means refuse (RFC 7515 §4.1.11).
  ['crit header, signed with our key', (c) => es256({ ...c.header(), crit: ['exp'] }, c.claims(), c.ourKey)],
  ['unknown kid', (c) => es256({ ...c.header(), kid: c.attacker.kid }, c.claims(), c.attacker.privateKey)],
  ['our kid, attacker signature', (c) => es256(c.header(), c.claims(), c.attacker.privateKey)],
  ['expired', (c) => es256(c.header(), { ...c.claims(), iat: now() - 3700, exp: now() - 60 }, c.ourKey)],
  ['nbf in the future', (c) => es256(c.header(), { ...c.claims(), nbf: now() + 600 }, c.ourKey)],
  ['wrong iss', (c) => es256(c.header(), { ...c.claims(), iss: 'https://evil.example' }, c.ourKey)],
  ['wrong aud', (c) => es256(c.header(), { ...c.claims(), aud: 'https://other-api.example' }, c.ourKey)],
  [
    'aud = the issuer itself (not the API)',
    (c) => es256(c.header(), { ...c.claims(), aud: c.t.config.issuer }, c.ourKey),
  ],
  ['typ JWT', (c) => es256({ ...c.header(), typ: 'JWT' }, c.claims(), c.ourKey)],
  ['no typ', (c) => es256({ alg: 'ES256', kid: c.kid }, c.claims(), c.ourKey)],
  [
    'alg ES384 label on an ES256 signature',
    (c) => es256({ ...c.header(), alg: 'ES384' }, c.claims(), c.ourKey),
  ],
  [
    'no exp',
    (c) => {
      const { exp: _exp, ...claims } = c.claims();
      return es256(c.header(), claims, c.ourKey);
    },
  ],
  [
    'no jti',
    (c) => {
      const { jti: _jti, ...claims } = c.claims();
      return es256(c.header(), claims, c.ourKey);
    },
  ],
  [
    'no client_id',
    (c) => {
      const { client_id: _clientId, ...claims } = c.claims();
      return es256(c.header(), claims, c.ourKey);
    },
  ],
  [
    'tampered payload (scope raised)',
    (c) => {
      const [h, p, s] = c.valid.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      return [h, b64({ ...claims, scope: 'read:user write:projects' }), s].join('.');
    },
  ],
  [
    'tampered payload (sub changed)',
    (c) => {
      const [h, p, s] = c.valid.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      return [h, b64({ ...claims, sub: '00000000-0000-4000-8000-000000000000' }), s].join('.');
    },
  ],
  ['signature truncated', (c) => c.valid.slice(0, -10)],
  [
    'signature of another token',
    (c) => {
      const other = es256(c.header(), { ...c.claims(), jti: 'other' }, c.ourKey);
      return `${c.valid.split('.').slice(0, 2).join('.')}.${other.split('.')[2]}`;
    },
  ],
  ['header not JSON', (c) => `${b64('{"alg":"ES256",')}.${c.valid.split('.').slice(1).join('.')}`],
  ['header a JSON array', (c) => `${b64([c.header()])}.${c.valid.split('.').slice(1).join('.')}`],
  ['payload not JSON', (c) => es256(c.header(), 'not json' as unknown as Record<string, unknown>, c.ourKey)],
  ['JWE-shaped (5 parts)', (c) => `${c.valid}.AAAA.BBBB`],
  ['garbage', () => 'not-a-jwt'],
  ['three dots', () => '...'],
  ['base64 padding', (c) => `${c.valid}==`],
  ['a 10 KB token', (c) => `${b64(c.header())}.${'A'.repeat(10 * 1024)}.${c.valid.split('.')[2]}`],
];

describe('JWT attacks against GET /v1/user → 401 invalid_token', () => {
  const ctx = {} as Ctx;
  beforeAll(async () => {
    const t = await bootJwtApp();
    const user = await createUser(t.app);
    const active = t.app.get(SigningKeysService).signingKey();
    const attackerPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const attackerJwk = attackerPair.publicKey.export({ format: 'jwk' });
    Object.assign(ctx, {
      t,
      kid: active.kid,
      ourKey: active.privateKey,
      publicPem: createPublicKey(active.privateKey).export({ format: 'pem', type: 'spki' }).toString(),
      attacker: { privateKey: attackerPair.privateKey, kid: 'attacker-key-1', jwk: attackerJwk },
      header: () => ({ alg: 'ES256', typ: 'at+jwt', kid: active.kid }),
      claims: () => ({
        iss: t.config.issuer,
        sub: user.id,
        aud: `${t.config.issuer}/v1`,
        exp: now() + 600,
        iat: now(),
        jti: randomBytes(16).toString('base64url'),
        client_id: 'test-client',
        scope: 'read:user',
      }),
      valid: await issueToken(t, { subject: user.id }),
    });
  });
  afterAll(() => ctx.t.close());

  it('accepts the well-formed baselines, so each refusal below is the attack', async () => {
    for (const token of [
      ctx.valid,
      es256(ctx.header(), ctx.claims(), ctx.ourKey),
      es256({ ...ctx.header(), typ: 'application/at+jwt' }, ctx.claims(), ctx.ourKey),
    ]) {
      const res = await http(`${ctx.t.url}/v1/user`, bearer(token));
      expect(res.status).toBe(200);
    }
  });

  it.each(ATTACKS)('%s', async (_name, build) => {
    const token = build(ctx);
    const res = await http(`${ctx.t.url}/v1/user`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({
      error: 'invalid_token',
      error_description: 'the credential is invalid, expired or revoked',
    });
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it.each([
    'Bearer',
    'Bearer ',
    'Bearer  TOKEN',
    'Bearer TOKEN extra',
    'Bearer TOK@EN',
    'Bearer "TOKEN"',
    'Bearer\tTOKEN',
  ])('a malformed Authorization header %p → 401 invalid_token', async (header) => {
    const res = await http(`${ctx.t.url}/v1/user`, {
      headers: { authorization: header.replace('TOKEN', ctx.valid) },
    });
    expect(res.status).toBe(401);
    expect(res.json.error).toBe('invalid_token');
  });

  it('does not fetch a jku/x5u URL (no request reaches the attacker server)', async () => {
    const hits: string[] = [];
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    try {
      const where = `http://127.0.0.1:${address.port}`;
      for (const header of [
        { ...ctx.header(), kid: ctx.attacker.kid, jku: `${where}/jwks.json` },
        { ...ctx.header(), kid: ctx.attacker.kid, x5u: `${where}/cert.pem` },
      ]) {
        const res = await http(
          `${ctx.t.url}/v1/user`,
          bearer(es256(header, ctx.claims(), ctx.attacker.privateKey)),
        );
        expect(res.status).toBe(401);
      }
      expect(hits).toEqual([]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
