import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TokenClockModule } from '../jwt/token-clock.module';
import { SigningKey } from './signing-key.entity';
import { SigningKeysService } from './signing-keys.service';

/** ES256 signing keys: their table, lifecycle (next → active → retired) and rotation. */
@Module({
  imports: [TypeOrmModule.forFeature([SigningKey]), TokenClockModule],
  providers: [SigningKeysService],
  exports: [SigningKeysService],
})
export class KeysModule {}
