import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { MailModule } from '../platform/mail/mail.module';
import { AccountToken } from './account-token.entity';
import { AccountTokensService } from './account-tokens.service';
import { SecurityNotices } from './security-notices.service';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  // MailModule is global in the app; named here too, so the admin CLI (which has no app module) gets it.
  imports: [TypeOrmModule.forFeature([User, AccountToken]), MailModule],
  controllers: [UsersController],
  providers: [UsersService, AccountTokensService, SecurityNotices],
  exports: [UsersService, AccountTokensService, SecurityNotices],
})
export class UsersModule {}
