import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ClientStrategy } from './client.strategy';
import { ClientsController } from './clients.controller';
import { ClientsService } from './clients.service';
import { OAuthClient } from './oauth-client.entity';

@Module({
  imports: [TypeOrmModule.forFeature([OAuthClient])],
  controllers: [ClientsController],
  providers: [ClientsService, ClientStrategy],
  exports: [ClientsService, ClientStrategy],
})
export class ClientsModule {}
