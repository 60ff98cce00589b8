import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { Session } from '../sessions/session.entity';
import { SessionsModule } from '../sessions/sessions.module';
import { ClientsModule } from '../clients/clients.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { ConsoleApiKeysController } from './api-keys.controller';
import { ConsoleAppsController } from './apps.controller';
import { ConsoleAuthorizedAppsController } from './authorized-apps.controller';
import { ConsoleAuth } from './console-auth';
import { ConsoleHomeController } from './home.controller';
import { OneTimeSecrets } from './one-time-secrets';
import { RootController } from './root.controller';
import { SecurityActivity } from './security-activity.service';

/**
 * Developer console: server-rendered pages under /console, built with the same `html` templates as the
 * login and consent pages. It owns no tables: it calls the other modules' services, and reads the
 * sessions table (sign-in times, IPs, devices) through a read-only repository of the Auth module's entity.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Session]),
    SessionsModule,
    UsersModule,
    ClientsModule,
    ApiKeysModule,
    TokensModule,
  ],
  controllers: [
    RootController,
    ConsoleHomeController,
    ConsoleAppsController,
    ConsoleApiKeysController,
    ConsoleAuthorizedAppsController,
  ],
  providers: [ConsoleAuth, OneTimeSecrets, SecurityActivity],
})
export class ConsoleModule {}
