import type { ClientView } from '../../../clients/clients.service';
import { InvalidGrant, InvalidRequest, InvalidScope } from '../../../platform/errors/oauth-errors';
import type { GrantsService } from '../../authorizations/grants.service';
import type { RefreshToken } from '../../refresh-tokens/refresh-token.entity';
import type { RefreshTokensService } from '../../refresh-tokens/refresh-tokens.service';
import type { TokenIssuer } from '../token-issuer.service';
import type { TokenRequest } from './grant-type';
import { RefreshTokenGrant } from './refresh-token.grant';

const app: ClientView = {
  id: 'row-1',
  clientId: 'app',
  name: 'App',
  type: 'confidential',
  redirectUris: ['https://app.example/cb'],
  grantTypes: ['authorization_code', 'refresh_token'],
  scopes: ['read:user', 'read:projects'],
  ownerId: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

function storedToken(overrides: Partial<RefreshToken> = {}): RefreshToken {
  return {
    id: 'rt-1',
    tokenHash: 'hash',
    grantId: 'grant-1',
    clientId: 'app',
    userId: 'user-1',
    scopes: ['read:user', 'read:projects'],
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 60_000),
    rotatedAt: null,
    ...overrides,
  };
}

const meta = { ip: '203.0.113.9' };

function setup(token: RefreshToken | null = storedToken()) {
  const refreshTokens = {
    find: jest.fn(async () => token),
    markRotated: jest.fn(async () => true),
  };
  const grants = { isActive: jest.fn(async () => true), revoke: jest.fn(async () => undefined) };
  const issuer = { issue: jest.fn(async () => ({ access_token: 'at', refresh_token: 'rt-new' })) };
  const grant = new RefreshTokenGrant(
    refreshTokens as unknown as RefreshTokensService,
    grants as unknown as GrantsService,
    issuer as unknown as TokenIssuer,
  );
  const request = (params: Record<string, string>): TokenRequest => ({
    client: app,
    method: 'client_secret_basic',
    params,
    meta,
  });
  return { grant, refreshTokens, grants, issuer, request };
}

describe('RefreshTokenGrant (RFC 6749 §6, rotation per RFC 9700 §4.14.2)', () => {
  it('rotates the token and issues new tokens with the grant’s scope', async () => {
    const { grant, refreshTokens, issuer, request } = setup();
    await expect(grant.handle(request({ refresh_token: 'rt' }))).resolves.toEqual({
      access_token: 'at',
      refresh_token: 'rt-new',
    });
    expect(refreshTokens.find).toHaveBeenCalledWith('rt');
    expect(refreshTokens.markRotated).toHaveBeenCalledTimes(1);
    expect(issuer.issue).toHaveBeenCalledWith({
      grantType: 'refresh_token',
      meta,
      userId: 'user-1',
      subject: 'user-1',
      clientId: 'app',
      scopes: ['read:user', 'read:projects'],
      grantId: 'grant-1',
      refresh: { userId: 'user-1', grantId: 'grant-1', scopes: ['read:user', 'read:projects'] },
    });
  });

  it('narrows the access token to a requested subset; the new refresh token keeps the full grant', async () => {
    const { grant, issuer, request } = setup();
    await grant.handle(request({ refresh_token: 'rt', scope: 'read:user' }));
    expect(issuer.issue).toHaveBeenCalledWith(
      expect.objectContaining({
        scopes: ['read:user'],
        refresh: { userId: 'user-1', grantId: 'grant-1', scopes: ['read:user', 'read:projects'] },
      }),
    );
  });

  it('requires refresh_token', async () => {
    const { grant, request } = setup();
    await expect(grant.handle(request({}))).rejects.toBeInstanceOf(InvalidRequest);
  });

  it('refuses an unknown token and one issued to another client alike', async () => {
    for (const token of [null, storedToken({ clientId: 'other' })]) {
      const { grant, issuer, request } = setup(token);
      const error = await grant.handle(request({ refresh_token: 'rt' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidGrant);
      expect((error as InvalidGrant).description).toBe('the refresh token is invalid');
      expect(issuer.issue).not.toHaveBeenCalled();
    }
  });

  it('revokes the whole grant when a rotated token comes back', async () => {
    const { grant, grants, issuer, request } = setup(storedToken({ rotatedAt: new Date() }));
    await expect(grant.handle(request({ refresh_token: 'rt' }))).rejects.toBeInstanceOf(InvalidGrant);
    expect(grants.revoke).toHaveBeenCalledWith('grant-1', 'refresh_token.reuse_detected', meta);
    expect(issuer.issue).not.toHaveBeenCalled();
  });

  it('revokes the grant when a concurrent request rotated the token first', async () => {
    const { grant, grants, refreshTokens, issuer, request } = setup();
    refreshTokens.markRotated.mockResolvedValueOnce(false);
    await expect(grant.handle(request({ refresh_token: 'rt' }))).rejects.toBeInstanceOf(InvalidGrant);
    expect(grants.revoke).toHaveBeenCalledWith('grant-1', 'refresh_token.reuse_detected', meta);
    expect(issuer.issue).not.toHaveBeenCalled();
  });

  it('refuses an expired token and one whose authorization was revoked', async () => {
    const expired = setup(storedToken({ expiresAt: new Date(Date.now() - 1) }));
    await expect(expired.grant.handle(expired.request({ refresh_token: 'rt' }))).rejects.toThrow(
      'the refresh token has expired',
    );
    const revoked = setup();
    revoked.grants.isActive.mockResolvedValueOnce(false);
    await expect(revoked.grant.handle(revoked.request({ refresh_token: 'rt' }))).rejects.toThrow(
      'the authorization was revoked',
    );
    expect(revoked.refreshTokens.markRotated).not.toHaveBeenCalled();
  });

  it('refuses a scope wider than the original grant, without rotating', async () => {
    const { grant, refreshTokens, request } = setup(storedToken({ scopes: ['read:user'] }));
    await expect(
      grant.handle(request({ refresh_token: 'rt', scope: 'read:user read:projects' })),
    ).rejects.toBeInstanceOf(InvalidScope);
    expect(refreshTokens.markRotated).not.toHaveBeenCalled();
  });
});
