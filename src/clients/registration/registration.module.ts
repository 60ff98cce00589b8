import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ClientsModule } from '../clients.module';
import { OAuthClient } from '../oauth-client.entity';
import { InitialAccessToken } from './initial-access-token.entity';
import { RegistrationController } from './registration.controller';
import { RegistrationService } from './registration.service';

/** The registration service alone: the admin CLI mints initial access tokens without any HTTP. */
@Module({
  imports: [TypeOrmModule.forFeature([OAuthClient, InitialAccessToken]), ClientsModule],
  providers: [RegistrationService],
  exports: [RegistrationService],
})
export class RegistrationServiceModule {}

/** RFC 7591 dynamic client registration + RFC 7592 management, part of the clients context. */
@Module({
  imports: [RegistrationServiceModule],
  controllers: [RegistrationController],
})
export class RegistrationModule {}
