import { Module } from '@nestjs/common';

import { KeysModule } from '../keys/keys.module';
import { TokenModule } from '../token/token.module';
import { JwksController } from './jwks.controller';
import { MetadataController } from './metadata.controller';

/** RFC 8414 / OIDC discovery and RFC 9728 metadata, and the RFC 7517 JWK Set. */
@Module({
  imports: [KeysModule, TokenModule],
  controllers: [MetadataController, JwksController],
})
export class DiscoveryModule {}
