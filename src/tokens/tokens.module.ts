import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsModule } from '../clients/clients.module';
import { AuthorizationCode } from './codes/authorization-code.entity';
import { AuthorizationCodesService } from './codes/authorization-codes.service';
import { AuthorizationsController } from './authorizations/authorizations.controller';
import { Grant } from './authorizations/grant.entity';
import { AuthorizationCodeGrant } from './token/grants/authorization-code.grant';
import { ClientCredentialsGrant } from './token/grants/client-credentials.grant';
import { GRANT_TYPE_HANDLERS } from './token/grants/grant-type';
import { RefreshTokenGrant } from './token/grants/refresh-token.grant';
import { GrantsService } from './authorizations/grants.service';
import { IntrospectionController } from './introspection/introspection.controller';
import { IntrospectionService } from './introspection/introspection.service';
import { JwtTokensModule } from './jwt/jwt-tokens.module';
import { MetadataController } from './discovery/metadata.controller';
import { OidcModule } from './oidc/oidc.module';
import { RefreshToken } from './refresh-tokens/refresh-token.entity';
import { RefreshTokensService } from './refresh-tokens/refresh-tokens.service';
import { TokenEndpoint } from './token/token-endpoint.service';
import { TokenIssuer } from './token/token-issuer.service';
import { TokenController } from './token/token.controller';

const GRANT_HANDLERS = [AuthorizationCodeGrant, RefreshTokenGrant, ClientCredentialsGrant];

@Module({
  imports: [
    TypeOrmModule.forFeature([AuthorizationCode, Grant, RefreshToken]),
    JwtTokensModule,
    ClientsModule,
    OidcModule,
  ],
  controllers: [TokenController, IntrospectionController, MetadataController, AuthorizationsController],
  providers: [
    AuthorizationCodesService,
    RefreshTokensService,
    GrantsService,
    TokenIssuer,
    TokenEndpoint,
    IntrospectionService,
    ...GRANT_HANDLERS,
    // The registry: adding a grant is one file plus one entry in GRANT_HANDLERS.
    { provide: GRANT_TYPE_HANDLERS, useFactory: (...h: unknown[]) => h, inject: GRANT_HANDLERS },
  ],
  exports: [AuthorizationCodesService, GrantsService, TokenEndpoint, JwtTokensModule, OidcModule],
})
export class TokensModule {}
