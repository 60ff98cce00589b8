import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountToken } from './account-token.entity';
import { AccountTokensService } from './account-tokens.service';
import { SecurityNotices } from './security-notices.service';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User, AccountToken])],
  controllers: [UsersController],
  providers: [UsersService, AccountTokensService, SecurityNotices],
  exports: [UsersService, AccountTokensService, SecurityNotices],
})
export class UsersModule {}
