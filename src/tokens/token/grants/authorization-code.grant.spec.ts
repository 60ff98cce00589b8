import { createHash } from 'node:crypto';
import type { ClientView } from '../../../clients/clients.service';
import { InvalidGrant, InvalidRequest } from '../../../platform/errors/oauth-errors';
import type { GrantsService } from '../../authorizations/grants.service';
import type { AuthorizationCode } from '../../codes/authorization-code.entity';
import type { AuthorizationCodesService } from '../../codes/authorization-codes.service';
import type { TokenIssuer } from '../token-issuer.service';
import { AuthorizationCodeGrant } from './authorization-code.grant';
import type { TokenRequest } from './grant-type';

const VERIFIER = 'a'.repeat(43);
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');
const REDIRECT = 'https://app.example/cb';
const meta = { ip: '203.0.113.9' };

function client(overrides: Partial<ClientView> = {}): ClientView {
  return {
    id: 'row-1',
    clientId: 'app',
    name: 'App',
    type: 'confidential',
    redirectUris: [REDIRECT],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['read:user'],
    ownerId: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

function storedCode(overrides: Partial<AuthorizationCode> = {}): AuthorizationCode {
  return {
    codeHash: 'hash',
    clientId: 'app',
    grantId: 'grant-1',
    userId: 'user-1',
    redirectUri: REDIRECT,
    redirectUriSent: true,
    scopes: ['read:user'],
    codeChallenge: CHALLENGE,
    expiresAt: new Date(Date.now() + 60_000),
    consumedAt: null,
    ...overrides,
  } as AuthorizationCode;
}

function setup(code: AuthorizationCode | null = storedCode()) {
  const codes = { find: jest.fn(async () => code), consume: jest.fn(async () => true) };
  const grants = { isActive: jest.fn(async () => true), revoke: jest.fn(async () => undefined) };
  const issuer = { issue: jest.fn(async () => ({ access_token: 'at' })) };
  const grant = new AuthorizationCodeGrant(
    codes as unknown as AuthorizationCodesService,
    grants as unknown as GrantsService,
    issuer as unknown as TokenIssuer,
  );
  const request = (params: Record<string, string>, as = client()): TokenRequest => ({
    client: as,
    method: as.type === 'public' ? 'none' : 'client_secret_basic',
    params,
    meta,
  });
  return { grant, codes, grants, issuer, request };
}

const exchange = { code: 'c', redirect_uri: REDIRECT, code_verifier: VERIFIER };

describe('AuthorizationCodeGrant (RFC 6749 §4.1.3, RFC 7636 §4.5)', () => {
  it('consumes the code and issues tokens for the user, with a refresh token when the client may refresh', async () => {
    const { grant, codes, issuer, request } = setup();
    await expect(grant.handle(request(exchange))).resolves.toEqual({ access_token: 'at' });
    expect(codes.consume).toHaveBeenCalledTimes(1);
    expect(issuer.issue).toHaveBeenCalledWith({
      grantType: 'authorization_code',
      meta,
      userId: 'user-1',
      subject: 'user-1',
      clientId: 'app',
      scopes: ['read:user'],
      grantId: 'grant-1',
      refresh: { userId: 'user-1', grantId: 'grant-1', scopes: ['read:user'] },
    });
  });

  it('issues no refresh token to a client without the refresh_token grant', async () => {
    const { grant, issuer, request } = setup();
    await grant.handle(request(exchange, client({ grantTypes: ['authorization_code'] })));
    expect(issuer.issue).toHaveBeenCalledWith(expect.objectContaining({ refresh: undefined }));
  });

  it('requires code', async () => {
    const { grant, request } = setup();
    await expect(grant.handle(request({ redirect_uri: REDIRECT }))).rejects.toBeInstanceOf(InvalidRequest);
  });

  it('refuses an unknown code and an expired one', async () => {
    for (const code of [null, storedCode({ expiresAt: new Date(Date.now() - 1) })]) {
      const { grant, issuer, request } = setup(code);
      await expect(grant.handle(request(exchange))).rejects.toThrow(
        'the authorization code is invalid or expired',
      );
      expect(issuer.issue).not.toHaveBeenCalled();
    }
  });

  it('revokes everything issued from a code presented twice (RFC 6749 §4.1.2)', async () => {
    const { grant, grants, issuer, request } = setup(storedCode({ consumedAt: new Date() }));
    await expect(grant.handle(request(exchange))).rejects.toBeInstanceOf(InvalidGrant);
    expect(grants.revoke).toHaveBeenCalledWith('grant-1', 'authorization_code.reuse_detected', meta);
    expect(issuer.issue).not.toHaveBeenCalled();
  });

  it('revokes the grant when a concurrent exchange consumed the code first', async () => {
    const { grant, grants, codes, issuer, request } = setup();
    codes.consume.mockResolvedValueOnce(false);
    await expect(grant.handle(request(exchange))).rejects.toBeInstanceOf(InvalidGrant);
    expect(grants.revoke).toHaveBeenCalledWith('grant-1', 'authorization_code.reuse_detected', meta);
    expect(issuer.issue).not.toHaveBeenCalled();
  });

  it('refuses a code issued to another client, without consuming it', async () => {
    const { grant, codes, request } = setup(storedCode({ clientId: 'other' }));
    await expect(grant.handle(request(exchange))).rejects.toThrow('issued to another client');
    expect(codes.consume).not.toHaveBeenCalled();
  });

  it('requires the identical redirect_uri when the authorization request sent one', async () => {
    const { grant, request } = setup();
    await expect(grant.handle(request({ ...exchange, redirect_uri: `${REDIRECT}/x` }))).rejects.toThrow(
      'redirect_uri does not match',
    );
    // Sent in the authorization request, so it must be repeated.
    await expect(grant.handle(request({ code: 'c', code_verifier: VERIFIER }))).rejects.toThrow(
      'redirect_uri does not match',
    );
  });

  it('checks PKCE: a missing or wrong verifier is invalid_grant', async () => {
    const { grant, codes, request } = setup();
    await expect(grant.handle(request({ code: 'c', redirect_uri: REDIRECT }))).rejects.toThrow(
      'code_verifier is required',
    );
    await expect(grant.handle(request({ ...exchange, code_verifier: 'b'.repeat(43) }))).rejects.toThrow(
      'code_verifier does not match',
    );
    expect(codes.consume).not.toHaveBeenCalled();
  });

  it('refuses a verifier for a code issued without a challenge (PKCE downgrade, RFC 9700 §2.1.1)', async () => {
    const { grant, request } = setup(storedCode({ codeChallenge: null }));
    await expect(grant.handle(request(exchange))).rejects.toThrow('without code_challenge');
  });

  it('refuses a code whose authorization was revoked meanwhile', async () => {
    const { grant, grants, issuer, request } = setup();
    grants.isActive.mockResolvedValueOnce(false);
    await expect(grant.handle(request(exchange))).rejects.toThrow('the authorization was revoked');
    expect(issuer.issue).not.toHaveBeenCalled();
  });
});
