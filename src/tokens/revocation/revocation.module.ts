import { Module } from '@nestjs/common';

import { ClientsModule } from '../../clients/clients.module';
import { AuthorizationsModule } from '../authorizations/authorizations.module';
import { IntrospectionModule } from '../introspection/introspection.module';
import { DenyListModule } from './deny-list.module';
import { RevocationController } from './revocation.controller';

/**
 * RFC 7009 revocation: the endpoint and the deny list. The deny list is its own module underneath, because
 * AuthorizationsService (which the endpoint calls) publishes through it.
 */
@Module({
  imports: [DenyListModule, IntrospectionModule, AuthorizationsModule, ClientsModule],
  controllers: [RevocationController],
  exports: [DenyListModule],
})
export class RevocationModule {}
