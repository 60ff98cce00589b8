import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ClientsModule } from '../../clients/clients.module';
import { DenyListModule } from '../revocation/deny-list.module';
import { Authorization } from './authorization.entity';
import { AuthorizationsController } from './authorizations.controller';
import { AuthorizationsService } from './authorizations.service';

/** The user×client authorization (remembered consent, the `grant_id` family) and `/v1/authorizations`. */
@Module({
  imports: [TypeOrmModule.forFeature([Authorization]), DenyListModule, ClientsModule],
  controllers: [AuthorizationsController],
  providers: [AuthorizationsService],
  exports: [AuthorizationsService],
})
export class AuthorizationsModule {}
