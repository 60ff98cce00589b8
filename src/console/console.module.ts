import { Module } from '@nestjs/common';

import { ApiKeysModule } from '../api-keys/api-keys.module';
import { IdpModule } from '../auth/idp/idp.module';
import { MfaModule } from '../auth/mfa/mfa.module';
import { ClientsModule } from '../clients/clients.module';
import { PlaygroundModule } from '../playground/playground.module';
import { ResourcesModule } from '../resources/resources.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { AccountModule } from '../users/account/account.module';
import { UsersModule } from '../users/users.module';
import { ConsoleAccountController } from './account.controller';
import { ConsoleApiKeysController } from './api-keys.controller';
import { ConsoleAppsController } from './apps.controller';
import { ConsoleAuthorizedAppsController } from './authorized-apps.controller';
import { ConsoleContextPipe } from './console-user';
import { DevOutboxController } from './dev-outbox.controller';
import { ConsoleHomeController } from './home.controller';
import { ConsoleLinkedSignInsController } from './linked-sign-ins.controller';
import { OneTimeSecrets } from './one-time-secrets';
import { ConsolePlaygroundController } from './playground.controller';
import { ConsoleProfileController } from './profile.controller';
import { ConsoleResourcesController } from './resources.controller';
import { RootController } from './root.controller';
import { SecurityActivity } from './security-activity.service';
import { ConsoleSessionsController } from './sessions.controller';
import { ConsolePasskeysApiController, ConsoleSignInMethodsController } from './sign-in-methods.controller';

/**
 * Developer console: server-rendered pages under /console, built with the same `html` templates as the
 * login and consent pages. It owns no tables: it calls the other modules' services (the sign-in history
 * is the sessions module's), and the global guard authenticates its pages (`@Page()` + the session).
 */
@Module({
  imports: [
    SessionsModule,
    UsersModule,
    ClientsModule,
    ApiKeysModule,
    TokensModule,
    AccountModule,
    ResourcesModule,
    PlaygroundModule,
    MfaModule,
    IdpModule,
  ],
  controllers: [
    RootController,
    ConsoleHomeController,
    ConsoleAppsController,
    ConsoleApiKeysController,
    ConsoleAuthorizedAppsController,
    ConsoleProfileController,
    ConsoleSessionsController,
    ConsoleAccountController,
    DevOutboxController,
    ConsoleResourcesController,
    ConsolePlaygroundController,
    ConsoleSignInMethodsController,
    ConsolePasskeysApiController,
    ConsoleLinkedSignInsController,
  ],
  providers: [ConsoleContextPipe, OneTimeSecrets, SecurityActivity],
})
export class ConsoleModule {}
