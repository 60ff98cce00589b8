import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { Authorization } from '../authorizations/authorization.entity';
import { TokenClockModule } from '../jwt/token-clock.module';
import { RevocationService } from './revocation.service';
import { RevokedToken } from './revoked-token.entity';

/**
 * The deny list of access tokens revoked before their `exp`: the `revoked_tokens` table and the in-memory
 * lists every bearer request consults. Below AuthorizationsModule (which asks it to publish a revoked
 * authorization), so it reads the authorizations table for its poll but never writes it.
 */
@Module({
  imports: [TypeOrmModule.forFeature([RevokedToken, Authorization]), TokenClockModule],
  providers: [RevocationService],
  exports: [RevocationService],
})
export class DenyListModule {}
