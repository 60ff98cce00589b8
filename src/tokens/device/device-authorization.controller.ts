import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ClientStrategy } from '../../clients/client.strategy';
import { DEVICE_CODE } from '../../clients/clients.service';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Public } from '../../platform/auth/decorators';
import { InvalidScope, UnauthorizedClient } from '../../platform/errors/oauth-errors';
import { ApiClientAuth, ApiFormBody, ApiOAuthErrors } from '../../platform/http/api-docs';
import { oauthParams } from '../../platform/http/oauth-params';
import { ClientRateLimits } from '../../platform/rate-limit/client-limits';
import { DEVICE_AUTHORIZATION_FIELDS } from '../oauth-params.docs';
import { isKnownScope, parseScope } from '../scopes';
import { noStore } from '../token/token-endpoint.service';
import { DeviceAuthorizationsService } from './device-authorizations.service';

/** RFC 8628 §3.2 device authorization response. */
export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** The page where the user enters the code (served by the auth module). */
export const DEVICE_VERIFICATION_PATH = '/device';

/**
 * RFC 8628 §3.1 device authorization endpoint: a device (a CLI, a TV) that cannot open a browser itself
 * asks for a device_code to poll with and a short user_code the user types at /device on another screen.
 */
@ApiTags('oauth2')
@Controller('oauth2')
@Public() // Client authentication is the endpoint's own (RFC 8628 §3.1: as at the token endpoint).
export class DeviceAuthorizationController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clientStrategy: ClientStrategy,
    private readonly limits: ClientRateLimits,
    private readonly devices: DeviceAuthorizationsService,
  ) {}

  @Post('device_authorization')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Device authorization request (RFC 8628)',
    description:
      'A device that cannot show a browser (a CLI) gets a device_code to poll the token endpoint with ' +
      '(grant_type urn:ietf:params:oauth:grant-type:device_code) and a user_code the user enters at ' +
      'verification_uri. Client authentication as at the token endpoint; public clients send client_id only.',
  })
  @ApiFormBody(DEVICE_AUTHORIZATION_FIELDS)
  @ApiClientAuth()
  @ApiOkResponse({
    description: 'RFC 8628 §3.2',
    schema: {
      type: 'object',
      required: ['device_code', 'user_code', 'verification_uri', 'expires_in', 'interval'],
      properties: {
        device_code: { type: 'string' },
        user_code: { type: 'string', example: 'WDJB-MJHT' },
        verification_uri: { type: 'string', example: 'http://localhost:3000/device' },
        verification_uri_complete: {
          type: 'string',
          example: 'http://localhost:3000/device?user_code=WDJB-MJHT',
        },
        expires_in: { type: 'integer', example: 600 },
        interval: { type: 'integer', example: 5 },
      },
    },
  })
  @ApiOAuthErrors('invalid_request', 'invalid_client', 'unauthorized_client', 'invalid_scope')
  async start(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeviceAuthorizationResponse> {
    noStore(reply);
    const params = oauthParams(request.body);
    await this.limits.admit(request, reply, params);
    // Public clients (a CLI holds no secret) send only client_id (RFC 8628 §3.1, RFC 6749 §2.3).
    const { client } = await this.limits.authenticate(request, params, () =>
      this.clientStrategy.authenticateClient(request, params),
    );
    if (!client.grantTypes.includes(DEVICE_CODE)) {
      throw new UnauthorizedClient('this client is not allowed the device_code grant');
    }
    // RFC 6749 §3.3 as at the authorization endpoint: known scopes the client is registered for.
    const requested = parseScope(params.scope);
    if (requested === undefined) throw new InvalidScope('scope is malformed');
    const unknown = requested.filter((s) => !isKnownScope(s));
    if (unknown.length) throw new InvalidScope(`unknown scope: ${unknown.join(' ').slice(0, 100)}`);
    const notAllowed = requested.filter((s) => !client.scopes.includes(s));
    if (notAllowed.length) {
      throw new InvalidScope(`scope not allowed for this client: ${notAllowed.join(' ')}`);
    }
    const scopes = requested.length ? requested : client.scopes.filter((s) => isKnownScope(s));
    if (scopes.length === 0) throw new InvalidScope('no scope requested and the client has no default scope');

    const started = await this.devices.start(client.clientId, scopes);
    const verificationUri = `${this.config.issuer}${DEVICE_VERIFICATION_PATH}`;
    return {
      device_code: started.deviceCode,
      user_code: started.userCode,
      verification_uri: verificationUri,
      // RFC 8628 §3.3.1: the code in the URI (for a QR code); the user still confirms it on the page.
      verification_uri_complete: `${verificationUri}?user_code=${encodeURIComponent(started.userCode)}`,
      expires_in: started.expiresIn,
      interval: started.interval,
    };
  }
}
