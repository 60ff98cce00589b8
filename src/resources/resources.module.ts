import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ResourceServer } from './resource.entity';
import { ResourceMetadataChallenge } from './resource-metadata-challenge';
import { ResourcesService } from './resources.service';

/** The resource registry (RFC 8707 resource indicators, RFC 9728 protected resources). */
@Module({
  imports: [TypeOrmModule.forFeature([ResourceServer])],
  providers: [ResourcesService],
  exports: [ResourcesService],
})
export class ResourcesModule {}

/** The protected-resource side of the product API (RFC 9728 challenges); HTTP only, not in the CLI. */
@Module({ providers: [ResourceMetadataChallenge] })
export class ProtectedResourceModule {}
