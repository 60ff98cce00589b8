import { Module } from '@nestjs/common';

import { AuthorizationsModule } from './authorizations/authorizations.module';
import { CodesModule } from './codes/codes.module';
import { DeviceModule } from './device/device.module';
import { DiscoveryModule } from './discovery/discovery.module';
import { IntrospectionModule } from './introspection/introspection.module';
import { JwtTokensModule } from './jwt/jwt-tokens.module';
import { KeysModule } from './keys/keys.module';
import { OidcModule } from './oidc/oidc.module';
import { RefreshTokensModule } from './refresh-tokens/refresh-tokens.module';
import { RevocationModule } from './revocation/revocation.module';
import { TokenModule } from './token/token.module';

/** Everything token-shaped, one module per endpoint or concept; other features use the exported services. */
@Module({
  imports: [
    KeysModule,
    JwtTokensModule,
    RevocationModule,
    AuthorizationsModule,
    CodesModule,
    RefreshTokensModule,
    TokenModule,
    IntrospectionModule,
    DiscoveryModule,
    OidcModule,
    DeviceModule,
  ],
  exports: [CodesModule, AuthorizationsModule, TokenModule, JwtTokensModule, OidcModule, DeviceModule],
})
export class TokensModule {}
