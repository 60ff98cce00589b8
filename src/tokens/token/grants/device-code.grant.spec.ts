import type { ClientView } from '../../../clients/clients.service';
import { DEVICE_CODE } from '../../../clients/clients.service';
import { InvalidGrant, InvalidRequest } from '../../../platform/errors/oauth-errors';
import type { ResourcesService } from '../../../resources/resources.service';
import type { AuthorizationsService } from '../../authorizations/authorizations.service';
import { AccessDenied, AuthorizationPending, ExpiredToken, SlowDown } from '../../device/device.errors';
import type { DeviceAuthorization } from '../../device/device-authorization.entity';
import type { DeviceAuthorizationsService, DevicePoll } from '../../device/device-authorizations.service';
import type { RefreshTokensService } from '../../refresh-tokens/refresh-tokens.service';
import type { TokenIssuer } from '../token-issuer.service';
import { DeviceCodeGrant } from './device-code.grant';
import type { TokenRequest } from './grant-type';

const cli: ClientView = {
  id: 'row-1',
  clientId: 'cli',
  name: 'CLI',
  type: 'public',
  redirectUris: [],
  postLogoutRedirectUris: [],
  idTokenSignedResponseAlg: 'ES256',
  grantTypes: [DEVICE_CODE, 'refresh_token'],
  scopes: ['read:user', 'offline_access', 'openid'],
  ownerId: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

function setup(
  row: Partial<DeviceAuthorization> | null,
  poll: DevicePoll = { status: 'approved', interval: 5, tooFast: false },
) {
  const stored = row && {
    deviceCodeHash: 'h',
    clientId: 'cli',
    scopes: ['read:user'],
    userId: 'user-1',
    grantId: 'grant-1',
    expiresAt: new Date(Date.now() + 60_000),
    authTime: null,
    sid: null,
    amr: null,
    acr: null,
    ...row,
  };
  const devices = {
    findByDeviceCode: jest.fn(async () => stored),
    poll: jest.fn(async () => poll),
    consume: jest.fn(async () => stored),
  };
  const authorizations = { isActive: jest.fn(async () => true) };
  const refreshTokens = { issue: jest.fn(async () => 'rt') };
  const issuer = { issue: jest.fn(async () => ({ access_token: 'at' })) };
  const resources = {
    targetFromGrant: jest.fn(async (_p: unknown, _g: unknown, scopes: string[]) => ({
      resource: { uri: 'https://id.example/v1' },
      scopes,
    })),
  };
  const grant = new DeviceCodeGrant(
    devices as unknown as DeviceAuthorizationsService,
    authorizations as unknown as AuthorizationsService,
    refreshTokens as unknown as RefreshTokensService,
    issuer as unknown as TokenIssuer,
    resources as unknown as ResourcesService,
  );
  const request = (params: Record<string, string> = { device_code: 'dc' }, client = cli): TokenRequest => ({
    client,
    method: 'none',
    params,
    meta: {},
  });
  return { grant, devices, refreshTokens, issuer, request };
}

describe('DeviceCodeGrant (RFC 8628 §3.4–§3.5)', () => {
  it('answers each state of the request with its RFC 8628 error', async () => {
    const cases: [DevicePoll, unknown][] = [
      [{ status: 'pending', interval: 5, tooFast: false }, AuthorizationPending],
      [{ status: 'pending', interval: 10, tooFast: true }, SlowDown],
      [{ status: 'denied', interval: 5, tooFast: false }, AccessDenied],
      [{ status: 'consumed', interval: 5, tooFast: false }, InvalidGrant],
    ];
    for (const [poll, error] of cases) {
      const { grant, request, issuer } = setup({}, poll);
      await expect(grant.handle(request())).rejects.toBeInstanceOf(error);
      expect(issuer.issue).not.toHaveBeenCalled();
    }
  });

  it('expired_token once expired, invalid_grant for another client or an unknown code, invalid_request without one', async () => {
    const expired = setup({ expiresAt: new Date(Date.now() - 1) });
    await expect(expired.grant.handle(expired.request())).rejects.toBeInstanceOf(ExpiredToken);
    const other = setup({ clientId: 'someone-else' });
    await expect(other.grant.handle(other.request())).rejects.toBeInstanceOf(InvalidGrant);
    expect(other.devices.poll).not.toHaveBeenCalled();
    const unknown = setup(null);
    await expect(unknown.grant.handle(unknown.request())).rejects.toBeInstanceOf(InvalidGrant);
    await expect(unknown.grant.handle(unknown.request({}))).rejects.toBeInstanceOf(InvalidRequest);
  });

  it('issues once, with a refresh token for a public client only when offline_access was granted', async () => {
    const plain = setup({ scopes: ['read:user'] });
    await plain.grant.handle(plain.request());
    expect(plain.refreshTokens.issue).not.toHaveBeenCalled();
    expect(plain.issuer.issue).toHaveBeenCalledWith(
      expect.objectContaining({
        grantType: DEVICE_CODE,
        subject: 'user-1',
        grantId: 'grant-1',
        refreshToken: undefined,
      }),
    );

    const offline = setup({ scopes: ['read:user', 'offline_access', 'openid'] });
    await offline.grant.handle(offline.request());
    expect(offline.refreshTokens.issue).toHaveBeenCalledTimes(1);
    expect(offline.issuer.issue).toHaveBeenCalledWith(
      expect.objectContaining({ refreshToken: 'rt', idToken: expect.objectContaining({ alg: 'ES256' }) }),
    );
  });

  it("binds a DPoP client's tokens to its key: the access token, and a public client's refresh token (RFC 9449 §5)", async () => {
    const bound = setup({ scopes: ['read:user', 'offline_access'] });
    await bound.grant.handle({ ...bound.request(), dpopJkt: 'jkt-1' });
    expect(bound.refreshTokens.issue).toHaveBeenCalledWith(expect.objectContaining({ dpopJkt: 'jkt-1' }));
    expect(bound.issuer.issue).toHaveBeenCalledWith(expect.objectContaining({ dpopJkt: 'jkt-1' }));
  });

  it('refuses when another poll redeemed it first', async () => {
    const raced = setup({});
    raced.devices.consume.mockResolvedValueOnce(null);
    await expect(raced.grant.handle(raced.request())).rejects.toBeInstanceOf(InvalidGrant);
    expect(raced.issuer.issue).not.toHaveBeenCalled();
  });
});
