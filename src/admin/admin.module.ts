import { Module } from '@nestjs/common';

import { ApiKeysModule } from '../api-keys/api-keys.module';
import { ClientsModule } from '../clients/clients.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { AdminApiKeysController } from './admin-api-keys.controller';
import { AdminClientsController } from './admin-clients.controller';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';
import { OperatorOnlyGuard } from './operator-only.guard';

/**
 * The management API (/v1/admin/*) for operators' automation: client_credentials tokens with manage:*
 * scopes. Owns no table; it calls the services of the modules that do.
 */
@Module({
  imports: [UsersModule, ClientsModule, ApiKeysModule, SessionsModule, TokensModule],
  controllers: [AdminClientsController, AdminUsersController, AdminApiKeysController],
  providers: [AdminUsersService, OperatorOnlyGuard],
})
export class AdminModule {}
