import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { credentialStrategyProvider } from '../platform/auth/credential-strategy';
import { DenyListModule } from '../tokens/revocation/deny-list.module';
import { UsersModule } from '../users/users.module';
import { ApiKey } from './api-key.entity';
import { ApiKeyStrategy } from './api-key.strategy';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';

/** Issue, list, roll, revoke and verify API keys; the `api_key` credential strategy for the guard. */
@Module({
  imports: [TypeOrmModule.forFeature([ApiKey]), UsersModule, DenyListModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, ApiKeyStrategy, credentialStrategyProvider('api_key', ApiKeyStrategy)],
  exports: [ApiKeysService],
})
export class ApiKeysModule {}
