import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientAuthenticator } from './client-authenticator';
import { ClientsController } from './clients.controller';
import { ClientsService } from './clients.service';
import { OAuthClient } from './oauth-client.entity';

@Module({
  imports: [TypeOrmModule.forFeature([OAuthClient])],
  controllers: [ClientsController],
  providers: [ClientsService, ClientAuthenticator],
  exports: [ClientsService, ClientAuthenticator],
})
export class ClientsModule {}
