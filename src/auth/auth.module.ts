import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsModule } from '../clients/clients.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { AuthorizationService } from './authorization.service';
import { InteractiveController } from './interactive.controller';
import { Session } from './session.entity';
import { SessionAuthenticator } from './session.authenticator';
import { SessionController } from './session.controller';
import { SessionsService } from './sessions.service';

@Module({
  imports: [TypeOrmModule.forFeature([Session]), UsersModule, ClientsModule, TokensModule],
  controllers: [InteractiveController, SessionController],
  providers: [SessionsService, SessionAuthenticator, AuthorizationService],
  exports: [SessionsService],
})
export class AuthModule {}
