import { Module } from '@nestjs/common';

import { ApiKeysModule } from '../../api-keys/api-keys.module';
import { ClientsModule } from '../../clients/clients.module';
import { ProjectsModule } from '../../projects/projects.module';
import { SessionsModule } from '../../sessions/sessions.module';
import { TokensModule } from '../../tokens/tokens.module';
import { UsersModule } from '../users.module';
import { AccountController } from './account.controller';
import { AccountDeletion } from './account-deletion.service';
import { AccountExport } from './account-export.service';
import { EmailVerification } from './email-verification.service';
import { PasswordReset } from './password-reset.service';
import { Profile } from './profile.service';

/**
 * The account lifecycle across modules: verification, password reset, profile changes, deletion and
 * export. Above the modules whose rows an account owns (it calls their services), below auth/ and the
 * console (which call it).
 */
@Module({
  imports: [UsersModule, SessionsModule, ClientsModule, ApiKeysModule, TokensModule, ProjectsModule],
  controllers: [AccountController],
  providers: [EmailVerification, PasswordReset, Profile, AccountDeletion, AccountExport],
  exports: [EmailVerification, PasswordReset, Profile, AccountDeletion, AccountExport],
})
export class AccountModule {}
