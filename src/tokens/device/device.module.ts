import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ClientsModule } from '../../clients/clients.module';
import { DeviceAuthorizationController } from './device-authorization.controller';
import { DeviceAuthorization } from './device-authorization.entity';
import { DeviceAuthorizationsService } from './device-authorizations.service';

/**
 * RFC 8628 device authorization grant: the endpoint a device starts at and the store that the /device
 * page (auth module) answers and the token endpoint's device_code grant redeems.
 */
@Module({
  imports: [TypeOrmModule.forFeature([DeviceAuthorization]), ClientsModule],
  controllers: [DeviceAuthorizationController],
  providers: [DeviceAuthorizationsService],
  exports: [DeviceAuthorizationsService],
})
export class DeviceModule {}
