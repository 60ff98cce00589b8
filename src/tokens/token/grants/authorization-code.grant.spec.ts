import { createHash } from 'node:crypto';

import type { ClientView } from '../../../clients/clients.service';
import { InvalidGrant, InvalidRequest } from '../../../platform/errors/oauth-errors';
import type { ResourcesService } from '../../../resources/resources.service';
import type { AuthorizationsService } from '../../authorizations/authorizations.service';
import type { AuthorizationCode } from '../../codes/authorization-code.entity';
import type { AuthorizationCodesService } from '../../codes/authorization-codes.service';
import type { RefreshTokensService } from '../../refresh-tokens/refresh-tokens.service';
import type { TokenIssuer } from '../token-issuer.service';
import { AuthorizationCodeGrant } from './authorization-code.grant';
import { API, builtInResource, clientView, tokenRequest } from './grant.fixtures';

const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

const app = clientView({ scopes: ['openid', 'read:user'] });

function codeRow(overrides: Partial<AuthorizationCode> = {}): AuthorizationCode {
  return {
    codeHash: 'h',
    clientId: 'web',
    grantId: 'grant-1',
    userId: 'user-1',
    redirectUri: 'https://app.example/cb',
    redirectUriSent: true,
    scopes: ['openid', 'read:user'],
    resources: [],
    codeChallenge: CHALLENGE,
    expiresAt: new Date(Date.now() + 60_000),
    nonce: 'n-1',
    authTime: new Date(1_700_000_000_000),
    sid: 'sid-1',
    amr: ['pwd'],
    acr: '1',
    consumedAt: null,
    createdAt: new Date(),
    ...overrides,
  };
}

function setup(code: AuthorizationCode | null = codeRow(), { active = true, redeemed = true } = {}) {
  const codes = {
    find: jest.fn(async () => (code ? { ...code, grantActive: active } : null)),
    redeem: jest.fn(async () => redeemed),
  };
  const authorizations = { revoke: jest.fn(async () => undefined) };
  const refreshTokens = { mint: jest.fn(() => ({ token: 'rt-1' })) };
  const issuer = { issue: jest.fn(async () => ({ access_token: 'at' })) };
  const resources = builtInResource();
  const grant = new AuthorizationCodeGrant(
    codes as unknown as AuthorizationCodesService,
    authorizations as unknown as AuthorizationsService,
    refreshTokens as unknown as RefreshTokensService,
    issuer as unknown as TokenIssuer,
    resources as unknown as ResourcesService,
  );
  const request = (params: Record<string, string>, client = app) => tokenRequest(params, client);
  const valid = { code: 'c', redirect_uri: 'https://app.example/cb', code_verifier: VERIFIER };
  return { grant, codes, authorizations, issuer, request, valid };
}

describe('AuthorizationCodeGrant (RFC 6749 §4.1.3, RFC 7636 §4.6)', () => {
  it('redeems a valid code once and issues tokens for its user, with the id_token context of the session', async () => {
    const { grant, codes, issuer, request, valid } = setup();
    await expect(grant.handle(request(valid))).resolves.toEqual({ access_token: 'at' });
    expect(codes.redeem).toHaveBeenCalledTimes(1);
    expect(issuer.issue).toHaveBeenCalledWith(
      expect.objectContaining({
        grantType: 'authorization_code',
        userId: 'user-1',
        subject: 'user-1',
        clientId: 'web',
        scopes: ['openid', 'read:user'],
        audience: API,
        grantId: 'grant-1',
        refreshToken: 'rt-1',
        idToken: expect.objectContaining({ nonce: 'n-1', auth: expect.objectContaining({ sid: 'sid-1' }) }),
      }),
    );
  });

  it('requires the code parameter', async () => {
    const { grant, request } = setup();
    await expect(grant.handle(request({ code_verifier: VERIFIER }))).rejects.toBeInstanceOf(InvalidRequest);
  });

  it('refuses an unknown or expired code without revoking anything', async () => {
    for (const code of [null, codeRow({ expiresAt: new Date(Date.now() - 1) })]) {
      const { grant, authorizations, issuer, request, valid } = setup(code);
      await expect(grant.handle(request(valid))).rejects.toBeInstanceOf(InvalidGrant);
      expect(authorizations.revoke).not.toHaveBeenCalled();
      expect(issuer.issue).not.toHaveBeenCalled();
    }
  });

  it('revokes the authorization when a consumed code comes back (RFC 6749 §4.1.2)', async () => {
    const { grant, authorizations, issuer, request, valid } = setup(codeRow({ consumedAt: new Date() }));
    await expect(grant.handle(request(valid))).rejects.toThrow(/already used/);
    expect(authorizations.revoke).toHaveBeenCalledWith(
      'grant-1',
      'authorization_code.reuse_detected',
      expect.anything(),
    );
    expect(issuer.issue).not.toHaveBeenCalled();
  });

  it('treats losing the redeem race as reuse', async () => {
    const { grant, authorizations, issuer, request, valid } = setup(codeRow(), { redeemed: false });
    await expect(grant.handle(request(valid))).rejects.toBeInstanceOf(InvalidGrant);
    expect(authorizations.revoke).toHaveBeenCalledTimes(1);
    expect(issuer.issue).not.toHaveBeenCalled();
  });

  it("refuses another client's code", async () => {
    const { grant, codes, request, valid } = setup(codeRow({ clientId: 'other' }));
    await expect(grant.handle(request(valid))).rejects.toThrow(/another client/);
    expect(codes.redeem).not.toHaveBeenCalled();
  });

  it('requires the same redirect_uri when the request sent one, and none other when it did not', async () => {
    const sent = setup();
    await expect(
      sent.grant.handle(sent.request({ ...sent.valid, redirect_uri: 'https://app.example/other' })),
    ).rejects.toThrow(/redirect_uri/);
    const { redirect_uri: _omitted, ...withoutUri } = sent.valid;
    await expect(sent.grant.handle(sent.request(withoutUri))).rejects.toThrow(/redirect_uri/);

    const notSent = setup(codeRow({ redirectUriSent: false }));
    await expect(notSent.grant.handle(notSent.request(withoutUri))).resolves.toBeDefined();
  });

  it('checks the PKCE verifier, and refuses a verifier for a code issued without a challenge (RFC 9700 §2.1.1)', async () => {
    const { grant, request, valid } = setup();
    await expect(grant.handle(request({ ...valid, code_verifier: 'x'.repeat(43) }))).rejects.toThrow(
      /does not match/,
    );
    const { code_verifier: _v, ...withoutVerifier } = valid;
    await expect(grant.handle(request(withoutVerifier))).rejects.toThrow(/code_verifier is required/);

    const downgrade = setup(codeRow({ codeChallenge: null }));
    await expect(downgrade.grant.handle(downgrade.request(downgrade.valid))).rejects.toThrow(
      /without code_challenge/,
    );
  });

  it('refuses the code of a revoked authorization before redeeming it', async () => {
    const { grant, codes, request, valid } = setup(codeRow(), { active: false });
    await expect(grant.handle(request(valid))).rejects.toThrow(/revoked/);
    expect(codes.redeem).not.toHaveBeenCalled();
  });

  it('gives a public client a refresh token only with offline_access (OIDC Core §11)', async () => {
    const publicApp: ClientView = { ...app, type: 'public' };
    const without = setup();
    await without.grant.handle(without.request(without.valid, publicApp));
    expect(without.issuer.issue).toHaveBeenCalledWith(expect.objectContaining({ refreshToken: undefined }));

    const offline = setup(codeRow({ scopes: ['openid', 'offline_access'] }));
    await offline.grant.handle(offline.request(offline.valid, publicApp));
    expect(offline.issuer.issue).toHaveBeenCalledWith(expect.objectContaining({ refreshToken: 'rt-1' }));
  });

  it('issues no id_token without the openid scope', async () => {
    const { grant, issuer, request, valid } = setup(codeRow({ scopes: ['read:user'] }));
    await grant.handle(request(valid));
    expect(issuer.issue).toHaveBeenCalledWith(expect.objectContaining({ idToken: undefined }));
  });
});
