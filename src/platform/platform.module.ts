import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';

import { AuthGuard } from './auth/auth.guard';
import { ChangeFeed } from './cache/change-feed.service';
import { SecretBox, SecretHasher } from './crypto/crypto.service';
import { ErrorFilter } from './errors/error.filter';
import { AssetsController } from './web/assets.controller';

@Global()
@Module({
  controllers: [AssetsController],
  providers: [
    SecretHasher,
    SecretBox,
    ChangeFeed,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: ErrorFilter },
  ],
  exports: [SecretHasher, SecretBox, ChangeFeed],
})
export class PlatformModule {}
