import { Module } from '@nestjs/common';

import { ClientsModule } from '../../clients/clients.module';
import { ResourcesModule } from '../../resources/resources.module';
import { AuthorizationsModule } from '../authorizations/authorizations.module';
import { JwtTokensModule } from '../jwt/jwt-tokens.module';
import { RefreshTokensModule } from '../refresh-tokens/refresh-tokens.module';
import { IntrospectionController } from './introspection.controller';
import { IntrospectionService } from './introspection.service';

/** RFC 7662 token introspection; its token lookup also serves the RFC 7009 revocation endpoint. */
@Module({
  imports: [JwtTokensModule, RefreshTokensModule, AuthorizationsModule, ClientsModule, ResourcesModule],
  controllers: [IntrospectionController],
  providers: [IntrospectionService],
  exports: [IntrospectionService],
})
export class IntrospectionModule {}
