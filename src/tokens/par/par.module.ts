import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ClientsModule } from '../../clients/clients.module';
import { ResourcesModule } from '../../resources/resources.module';
import { ParController } from './par.controller';
import { PushedAuthorizationRequest } from './pushed-authorization-request.entity';
import { PushedAuthorizationRequestsService } from './pushed-authorization-requests.service';

/** RFC 9126 pushed authorization requests: the endpoint, and the store the authorization endpoint reads. */
@Module({
  imports: [TypeOrmModule.forFeature([PushedAuthorizationRequest]), ClientsModule, ResourcesModule],
  controllers: [ParController],
  providers: [PushedAuthorizationRequestsService],
  exports: [PushedAuthorizationRequestsService],
})
export class ParModule {}
