import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { AuthorizationService } from './authorization.service';
import { InteractiveController } from './interactive.controller';
import { OidcInteraction } from './oidc/interaction';
import { SessionsModule } from '../sessions/sessions.module';

@Module({
  imports: [SessionsModule, UsersModule, ClientsModule, TokensModule],
  controllers: [InteractiveController],
  providers: [AuthorizationService, OidcInteraction],
})
export class AuthModule {}
