import { Module } from '@nestjs/common';

import { ApiKeysModule } from '../../api-keys/api-keys.module';
import { ClientsModule } from '../../clients/clients.module';
import { ResourcesModule } from '../../resources/resources.module';
import { AuthorizationsModule } from '../authorizations/authorizations.module';
import { CodesModule } from '../codes/codes.module';
import { DeviceModule } from '../device/device.module';
import { JwtTokensModule } from '../jwt/jwt-tokens.module';
import { OidcModule } from '../oidc/oidc.module';
import { RefreshTokensModule } from '../refresh-tokens/refresh-tokens.module';
import { AuthorizationCodeGrant } from './grants/authorization-code.grant';
import { ClientCredentialsGrant } from './grants/client-credentials.grant';
import { DeviceCodeGrant } from './grants/device-code.grant';
import { GRANT_TYPE_HANDLERS } from './grants/grant-type';
import { RefreshTokenGrant } from './grants/refresh-token.grant';
import { TokenExchangeGrant } from './grants/token-exchange.grant';
import { TokenController } from './token.controller';
import { TokenEndpoint } from './token-endpoint.service';
import { TokenIssuer } from './token-issuer.service';

const GRANT_HANDLERS = [
  AuthorizationCodeGrant,
  RefreshTokenGrant,
  ClientCredentialsGrant,
  TokenExchangeGrant,
  DeviceCodeGrant,
];

/** RFC 6749 §3.2 token endpoint: client authentication, then one handler per grant type. */
@Module({
  imports: [
    JwtTokensModule,
    CodesModule,
    RefreshTokensModule,
    AuthorizationsModule,
    ClientsModule,
    OidcModule,
    ResourcesModule,
    DeviceModule,
    // Token exchange (RFC 8693) takes API keys as subject tokens.
    ApiKeysModule,
  ],
  controllers: [TokenController],
  providers: [
    TokenIssuer,
    TokenEndpoint,
    ...GRANT_HANDLERS,
    // The registry: adding a grant type is one file plus one entry in GRANT_HANDLERS.
    { provide: GRANT_TYPE_HANDLERS, useFactory: (...h: unknown[]) => h, inject: GRANT_HANDLERS },
  ],
  exports: [TokenEndpoint],
})
export class TokenModule {}
