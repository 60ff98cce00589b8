import { calculateJwkThumbprint, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { DataSource } from 'typeorm';

import { AccessTokensService, apiAudience } from '../../src/tokens/jwt/access-tokens.service';
import { SigningKey } from '../../src/tokens/keys/signing-key.entity';
import { SigningKeysService } from '../../src/tokens/keys/signing-keys.service';
import { createUser } from '../factories/users';
import type { TestApp } from '../support/app';
import { http } from '../support/http';
import { bearer, bootJwtApp, issueToken } from './support';

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

describe('JWT access tokens (RFC 9068) over HTTP', () => {
  let t: TestApp;
  let userId: string;
  beforeAll(async () => {
    t = await bootJwtApp();
    userId = (await createUser(t.app)).id;
  });
  afterAll(() => t.close());

  describe('GET /.well-known/jwks.json', () => {
    it('publishes the active and the next key, public members only, cacheable for 5 minutes', async () => {
      const res = await http(`${t.url}/.well-known/jwks.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=300');
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);

      const rows = await t.app
        .get(DataSource)
        .getRepository(SigningKey)
        .find({ where: [{ status: 'active' }, { status: 'next' }] });
      // Exactly one active and one next key at all times (other suites share the table; the invariant holds).
      expect(rows.filter((r) => r.status === 'active')).toHaveLength(1);
      expect(rows.filter((r) => r.status === 'next')).toHaveLength(1);
      const kids = res.json.keys.map((k: { kid: string }) => k.kid);
      for (const row of rows) expect(kids).toContain(row.kid);
      expect(kids).toContain(t.app.get(SigningKeysService).signingKey().kid);

      for (const key of res.json.keys) {
        expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
        for (const member of PRIVATE_JWK_MEMBERS) expect(key).not.toHaveProperty(member);
        // RFC 7638 thumbprint as kid, computed by an independent implementation.
        expect(key.kid).toBe(await calculateJwkThumbprint(key, 'sha256'));
      }
      expect(res.text).not.toMatch(/"d"\s*:/);
    });

    it('stores private keys encrypted, never as PEM', async () => {
      const rows = await t.app.get(DataSource).getRepository(SigningKey).find();
      for (const row of rows) {
        expect(row.privateKeyEnc).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
        expect(row.privateKeyEnc).not.toContain('PRIVATE KEY');
        expect(row.publicJwk).not.toHaveProperty('d');
      }
    });
  });

  describe('issued tokens', () => {
    it('verify with jose against the published JWKS (an independent verifier)', async () => {
      const issued = await t.app.get(AccessTokensService).issue({
        subject: userId,
        clientId: 'test-client',
        scopes: ['read:user', 'read:projects'],
        grantId: '00000000-0000-4000-8000-000000000001',
      });
      const jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`));
      const { payload, protectedHeader } = await jwtVerify(issued.token, jwks, {
        issuer: t.config.issuer,
        audience: apiAudience(t.config),
        typ: 'at+jwt',
        algorithms: ['ES256'],
      });
      expect(protectedHeader).toEqual({
        alg: 'ES256',
        typ: 'at+jwt',
        kid: t.app.get(SigningKeysService).signingKey().kid,
      });
      expect(payload).toEqual({
        iss: t.config.issuer,
        sub: userId,
        aud: `${t.config.issuer}/v1`,
        exp: expect.any(Number),
        iat: expect.any(Number),
        jti: issued.jti,
        client_id: 'test-client',
        scope: 'read:user read:projects',
        grant_id: '00000000-0000-4000-8000-000000000001',
      });
      expect(payload.exp! - payload.iat!).toBe(t.config.accessTokenTtl);
      expect(issued.expiresIn).toBe(t.config.accessTokenTtl);
      expect(issued.expiresAt.getTime()).toBe(payload.exp! * 1000);
      // 128+ random bits, base64url.
      expect(issued.jti).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    });

    it('carry no grant_id when there is none, and a unique jti each', async () => {
      const service = t.app.get(AccessTokensService);
      const a = await service.issue({ subject: 'svc', clientId: 'svc', scopes: [] });
      const b = await service.issue({ subject: 'svc', clientId: 'svc', scopes: [] });
      expect(a.jti).not.toBe(b.jti);
      const verified = await service.verify(a.token);
      expect(verified).toEqual({
        sub: 'svc',
        clientId: 'svc',
        scopes: new Set(),
        jti: a.jti,
        exp: expect.any(Number),
        iat: expect.any(Number),
        kind: 'client',
      });
      expect(decodeProtectedHeader(a.token).typ).toBe('at+jwt');
    });
  });

  describe('bearer authentication on GET /v1/user', () => {
    it('accepts a user token, with the Bearer scheme in any case (RFC 6750 §2.1)', async () => {
      const token = await issueToken(t, { subject: userId });
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        const res = await http(`${t.url}/v1/user`, { headers: { authorization: `${scheme} ${token}` } });
        expect(res.status).toBe(200);
        expect(res.json.id).toBe(userId);
      }
    });

    it('answers a token without read:user with 403 insufficient_scope naming the scope (RFC 6750 §3.1)', async () => {
      const token = await issueToken(t, { subject: userId, scopes: ['read:projects'] });
      const res = await http(`${t.url}/v1/user`, bearer(token));
      expect(res.status).toBe(403);
      expect(res.json.error).toBe('insufficient_scope');
      expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      expect(res.headers.get('www-authenticate')).toContain('scope="read:user"');
    });

    it('never lets a client_credentials token (sub = client_id) act as a user', async () => {
      const token = await issueToken(t, { subject: 'svc-client', clientId: 'svc-client' });
      const res = await http(`${t.url}/v1/user`, bearer(token));
      expect(res.status).toBe(403);
      expect(res.json.error).toBe('forbidden');
    });

    it('answers a request without credentials with a bare challenge', async () => {
      const res = await http(`${t.url}/v1/user`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="iiniit"');
    });
  });
});
