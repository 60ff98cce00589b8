import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { TokenClockModule } from '../jwt/token-clock.module';
import { SigningKey } from './signing-key.entity';
import { SigningKeysService } from './signing-keys.service';

/**
 * Signing keys — ES256, and RS256 once a client asked for RS256 id_tokens: their table, lifecycle
 * (next → active → retired) and rotation.
 */
@Module({
  imports: [TypeOrmModule.forFeature([SigningKey]), TokenClockModule],
  providers: [SigningKeysService],
  exports: [SigningKeysService],
})
export class KeysModule {}
