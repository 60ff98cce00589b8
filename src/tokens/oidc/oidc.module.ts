import { Module } from '@nestjs/common';

import { ClientsModule } from '../../clients/clients.module';
import { SessionsModule } from '../../sessions/sessions.module';
import { UsersModule } from '../../users/users.module';
import { JwtTokensModule } from '../jwt/jwt-tokens.module';
import { IdTokenService } from './id-token.service';
import { LogoutController } from './logout.controller';
import { UserinfoController } from './userinfo.controller';

/** OpenID Connect: id_tokens (issued by the token endpoint), the userinfo endpoint and RP-initiated logout. */
@Module({
  imports: [JwtTokensModule, ClientsModule, UsersModule, SessionsModule],
  controllers: [UserinfoController, LogoutController],
  providers: [IdTokenService],
  exports: [IdTokenService],
})
export class OidcModule {}
