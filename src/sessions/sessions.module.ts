import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { credentialStrategyProvider } from '../platform/auth/credential-strategy';
import { UsersModule } from '../users/users.module';
import { AccountSessions } from './account-sessions.service';
import { SessionController } from './session.controller';
import { Session } from './session.entity';
import { SessionStrategy } from './session.strategy';
import { SessionsService } from './sessions.service';
import { SignInHistory } from './sign-in-history.service';

/** Browser sessions: the sessions table, CSRF tokens, the session credential and sign-in history. */
@Module({
  imports: [TypeOrmModule.forFeature([Session]), UsersModule],
  controllers: [SessionController],
  providers: [
    SessionsService,
    SessionStrategy,
    credentialStrategyProvider('session', SessionStrategy),
    SignInHistory,
    AccountSessions,
  ],
  exports: [SessionsService, SignInHistory, AccountSessions],
})
export class SessionsModule {}
