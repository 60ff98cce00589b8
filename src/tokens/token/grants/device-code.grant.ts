import { Injectable } from '@nestjs/common';

import { DEVICE_CODE } from '../../../clients/clients.service';
import { InvalidGrant, InvalidRequest } from '../../../platform/errors/oauth-errors';
import { ResourcesService } from '../../../resources/resources.service';
import { AuthorizationsService } from '../../authorizations/authorizations.service';
import { AccessDenied, AuthorizationPending, ExpiredToken, SlowDown } from '../../device/device.errors';
import { DeviceAuthorizationsService } from '../../device/device-authorizations.service';
import { authContextOf } from '../../oidc/auth-context';
import { idTokenFor, mayReceiveRefreshToken } from '../../oidc/offline-access';
import { RefreshTokensService } from '../../refresh-tokens/refresh-tokens.service';
import { TokenIssuer } from '../token-issuer.service';
import type { GrantTypeHandler, TokenRequest, TokenResponse } from './grant-type';

/**
 * RFC 8628 §3.4–§3.5: the device polls with its device_code until the user answers on /device. Tokens
 * follow the authorization-code grant's rules: a refresh token for confidential clients, and for public
 * ones only with offline_access; an id_token when openid was granted.
 */
@Injectable()
export class DeviceCodeGrant implements GrantTypeHandler {
  readonly grantType = DEVICE_CODE;

  constructor(
    private readonly devices: DeviceAuthorizationsService,
    private readonly authorizations: AuthorizationsService,
    private readonly refreshTokens: RefreshTokensService,
    private readonly issuer: TokenIssuer,
    private readonly resources: ResourcesService,
  ) {}

  async handle({ params, client, meta, dpopJkt }: TokenRequest): Promise<TokenResponse> {
    if (!params.device_code) throw new InvalidRequest('device_code is required');
    const row = await this.devices.findByDeviceCode(params.device_code);
    // RFC 8628 §3.4: the device code is bound to the client it was issued to.
    if (!row || row.clientId !== client.clientId) throw new InvalidGrant('the device code is invalid');
    if (row.expiresAt.getTime() <= Date.now()) throw new ExpiredToken();
    const poll = await this.devices.poll(row);
    if (!poll) throw new InvalidGrant('the device code is invalid');
    switch (poll.status) {
      case 'pending':
        if (poll.tooFast) throw new SlowDown(poll.interval);
        throw new AuthorizationPending();
      case 'denied':
        throw new AccessDenied();
      case 'consumed':
        throw new InvalidGrant('the device code was already used');
      case 'approved':
        break;
    }
    // RFC 8707 §2.2: settled before redeeming, so a bad `resource` leaves the device code usable.
    const target = await this.resources.targetFromGrant(params.resource, [], row.scopes);
    if (!row.grantId || !row.userId || !(await this.authorizations.isActive(row.grantId))) {
      throw new InvalidGrant('the authorization was revoked');
    }
    // Single use: of concurrent polls after approval exactly one gets tokens.
    if (!(await this.devices.consume(row))) throw new InvalidGrant('the device code was already used');
    const auth = authContextOf(row);
    const refreshToken = mayReceiveRefreshToken(client, row.scopes)
      ? await this.refreshTokens.issue({
          grantId: row.grantId,
          clientId: client.clientId,
          userId: row.userId,
          scopes: row.scopes,
          auth,
          // RFC 9449 §5: a public client's refresh token only works with the key of this proof.
          dpopJkt: client.type === 'public' ? dpopJkt : undefined,
        })
      : undefined;
    return this.issuer.issue({
      grantType: this.grantType,
      meta,
      userId: row.userId,
      subject: row.userId,
      clientId: client.clientId,
      scopes: target.scopes,
      audience: target.resource.uri,
      grantId: row.grantId,
      refreshToken,
      dpopJkt,
      auth,
      idToken: idTokenFor(client, row.scopes, { auth }),
    });
  }
}
