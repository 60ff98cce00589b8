import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsModule } from '../clients/clients.module';
import { AuthorizationCode } from './authorization-code.entity';
import { AuthorizationCodesService } from './authorization-codes.service';
import { AuthorizationsController } from './authorizations.controller';
import { Grant } from './grant.entity';
import { AuthorizationCodeGrant } from './grant-types/authorization-code.grant';
import { ClientCredentialsGrant } from './grant-types/client-credentials.grant';
import { GRANT_TYPE_HANDLERS } from './grant-types/grant-type';
import { RefreshTokenGrant } from './grant-types/refresh-token.grant';
import { GrantsService } from './grants.service';
import { IntrospectionController } from './introspection.controller';
import { IntrospectionService } from './introspection.service';
import { JwtTokensModule } from './jwt/jwt-tokens.module';
import { MetadataController } from './metadata.controller';
import { RefreshToken } from './refresh-token.entity';
import { RefreshTokensService } from './refresh-tokens.service';
import { TokenEndpoint } from './token-endpoint.service';
import { TokenIssuer } from './token-issuer.service';
import { TokenController } from './token.controller';

const GRANT_HANDLERS = [AuthorizationCodeGrant, RefreshTokenGrant, ClientCredentialsGrant];

@Module({
  imports: [
    TypeOrmModule.forFeature([AuthorizationCode, Grant, RefreshToken]),
    JwtTokensModule,
    ClientsModule,
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
  exports: [AuthorizationCodesService, GrantsService, TokenEndpoint, JwtTokensModule],
})
export class TokensModule {}
