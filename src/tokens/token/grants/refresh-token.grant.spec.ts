import { InvalidGrant, InvalidRequest, InvalidScope } from '../../../platform/errors/oauth-errors';
import type { ResourcesService } from '../../../resources/resources.service';
import type { AuthorizationsService } from '../../authorizations/authorizations.service';
import type { RefreshToken } from '../../refresh-tokens/refresh-token.entity';
import type { RefreshTokensService } from '../../refresh-tokens/refresh-tokens.service';
import type { TokenIssuer } from '../token-issuer.service';
import { builtInResource, clientView, tokenRequest } from './grant.fixtures';
import { RefreshTokenGrant } from './refresh-token.grant';

const app = clientView();

function tokenRow(overrides: Partial<RefreshToken> = {}): RefreshToken {
  return {
    id: 'rt-row',
    tokenHash: 'h',
    grantId: 'grant-1',
    clientId: 'web',
    userId: 'user-1',
    scopes: ['openid', 'read:user', 'read:projects'],
    resources: [],
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 3_600_000),
    rotatedAt: null,
    parentId: null,
    retriedAt: null,
    revokedAt: null,
    authTime: new Date(1_700_000_000_000),
    sid: 'sid-1',
    amr: ['pwd'],
    acr: '1',
    dpopJkt: null,
    ...overrides,
  };
}

function setup(
  token: RefreshToken | null = tokenRow(),
  options: { active?: boolean; retryable?: boolean } = {},
) {
  let release: () => void = () => undefined;
  const refreshTokens = {
    find: jest.fn(async () => (token ? { ...token, grantActive: options.active ?? true } : null)),
    rotate: jest.fn(async () => 'rt-next'),
    retry: jest.fn(async () => 'rt-retry'),
    retryable: jest.fn(() => options.retryable ?? false),
    /** Makes the next rotate() wait until release() is called (to overlap two requests). */
    hold() {
      this.rotate.mockImplementationOnce(
        () => new Promise<string>((resolve) => (release = () => resolve('rt-next'))),
      );
      return () => release();
    },
  };
  const authorizations = {
    revoke: jest.fn(async () => undefined),
  };
  const issuer = { issue: jest.fn(async () => ({ access_token: 'at' })) };
  const resources = builtInResource();
  const grant = new RefreshTokenGrant(
    refreshTokens as unknown as RefreshTokensService,
    authorizations as unknown as AuthorizationsService,
    issuer as unknown as TokenIssuer,
    resources as unknown as ResourcesService,
  );
  const request = (params: Record<string, string>, client = app) => tokenRequest(params, client);
  return { grant, refreshTokens, authorizations, issuer, request };
}

describe('RefreshTokenGrant (RFC 6749 §6, rotation per RFC 9700 §4.14.2)', () => {
  it('rotates the token and issues a new pair with the original auth context', async () => {
    const { grant, refreshTokens, issuer, request } = setup();
    await expect(grant.handle(request({ refresh_token: 'rt' }))).resolves.toEqual({ access_token: 'at' });
    expect(refreshTokens.rotate).toHaveBeenCalledTimes(1);
    expect(issuer.issue).toHaveBeenCalledWith(
      expect.objectContaining({
        grantType: 'refresh_token',
        userId: 'user-1',
        clientId: 'web',
        scopes: ['openid', 'read:user', 'read:projects'],
        refreshToken: 'rt-next',
        retry: false,
        idToken: expect.objectContaining({ auth: expect.objectContaining({ sid: 'sid-1' }) }),
      }),
    );
  });

  it('requires refresh_token', async () => {
    const { grant, request } = setup();
    await expect(grant.handle(request({}))).rejects.toBeInstanceOf(InvalidRequest);
  });

  it("refuses an unknown token and another client's token alike, revoking nothing", async () => {
    for (const token of [null, tokenRow({ clientId: 'other' })]) {
      const { grant, authorizations, request } = setup(token);
      await expect(grant.handle(request({ refresh_token: 'rt' }))).rejects.toThrow(
        'the refresh token is invalid',
      );
      expect(authorizations.revoke).not.toHaveBeenCalled();
    }
  });

  it('revokes the whole family when a rotated token comes back outside the retry grace', async () => {
    const { grant, authorizations, issuer, request } = setup(tokenRow({ rotatedAt: new Date() }));
    await expect(grant.handle(request({ refresh_token: 'rt' }))).rejects.toThrow(/already used/);
    expect(authorizations.revoke).toHaveBeenCalledWith(
      'grant-1',
      'refresh_token.reuse_detected',
      expect.anything(),
    );
    expect(issuer.issue).not.toHaveBeenCalled();
  });

  it('replaces a lost successor once within the retry grace', async () => {
    const { grant, refreshTokens, issuer, request } = setup(tokenRow({ rotatedAt: new Date() }), {
      retryable: true,
    });
    await grant.handle(request({ refresh_token: 'rt' }));
    expect(refreshTokens.retry).toHaveBeenCalledTimes(1);
    expect(refreshTokens.rotate).not.toHaveBeenCalled();
    expect(issuer.issue).toHaveBeenCalledWith(
      expect.objectContaining({ refreshToken: 'rt-retry', retry: true }),
    );
  });

  it('treats a revoked successor (replaced by a retry) as reuse', async () => {
    const { grant, authorizations, request } = setup(tokenRow({ revokedAt: new Date() }));
    await expect(grant.handle(request({ refresh_token: 'rt' }))).rejects.toBeInstanceOf(InvalidGrant);
    expect(authorizations.revoke).toHaveBeenCalledTimes(1);
  });

  it('refuses an expired token and a revoked authorization without rotating', async () => {
    const expired = setup(tokenRow({ expiresAt: new Date(Date.now() - 1) }));
    await expect(expired.grant.handle(expired.request({ refresh_token: 'rt' }))).rejects.toThrow(/expired/);
    const revoked = setup(tokenRow(), { active: false });
    await expect(revoked.grant.handle(revoked.request({ refresh_token: 'rt' }))).rejects.toThrow(/revoked/);
    expect(expired.refreshTokens.rotate).not.toHaveBeenCalled();
    expect(revoked.refreshTokens.rotate).not.toHaveBeenCalled();
  });

  it('narrows the access token to a requested scope but never widens it (RFC 6749 §6)', async () => {
    const { grant, issuer, request } = setup();
    await grant.handle(request({ refresh_token: 'rt', scope: 'read:user' }));
    expect(issuer.issue).toHaveBeenCalledWith(
      expect.objectContaining({ scopes: ['read:user'], idToken: undefined }),
    );

    const wider = setup();
    await expect(
      wider.grant.handle(wider.request({ refresh_token: 'rt', scope: 'read:user write:projects' })),
    ).rejects.toThrow(new InvalidScope('scope exceeds the original grant: write:projects'));
    expect(wider.refreshTokens.rotate).not.toHaveBeenCalled();
  });

  it('treats a losing rotation (the token was spent concurrently elsewhere) as reuse', async () => {
    const { grant, refreshTokens, authorizations, request } = setup();
    refreshTokens.rotate.mockResolvedValueOnce(null as unknown as string);
    await expect(grant.handle(request({ refresh_token: 'rt' }))).rejects.toThrow(/already used/);
    expect(authorizations.revoke).toHaveBeenCalledTimes(1);
  });

  it('answers a duplicate racing an in-flight rotation on this instance as reuse, never as a retry', async () => {
    const { grant, refreshTokens, authorizations, request } = setup();
    const release = refreshTokens.hold();
    const first = grant.handle(request({ refresh_token: 'rt' }));
    const second = grant.handle(request({ refresh_token: 'rt' }));
    // The duplicate must not start its own rotation while the first is in flight.
    await new Promise((resolve) => setImmediate(resolve));
    expect(refreshTokens.rotate).toHaveBeenCalledTimes(1);
    release();
    await expect(first).resolves.toEqual({ access_token: 'at' });
    await expect(second).rejects.toThrow(/already used/);
    expect(refreshTokens.retry).not.toHaveBeenCalled();
    expect(authorizations.revoke).toHaveBeenCalledTimes(1);
  });
});
