import { Global, Module } from '@nestjs/common';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { ApiRateLimits } from './api-limits';
import { ClientRateLimits } from './client-limits';
import { MemoryRateLimitStore } from './memory-store';
import { RATE_LIMIT_STORE, type RateLimitStore } from './rate-limit-store';
import { RateLimiter } from './rate-limiter.service';
import { RedisRateLimitStore } from './redis-store';

/**
 * Rate limits and the sign-in lockout's state. Redis when REDIS_URL is set (every instance
 * shares the counters), this process's memory otherwise. Global: the auth guard, the token endpoints and
 * the login page use it without their modules importing it.
 */
@Global()
@Module({
  providers: [
    {
      provide: RATE_LIMIT_STORE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): RateLimitStore =>
        config.redisUrl
          ? new RedisRateLimitStore(
              config.redisUrl,
              config.rateLimits.keyPrefix,
              undefined,
              config.rateLimits.syncIntervalMs,
            )
          : new MemoryRateLimitStore(),
    },
    RateLimiter,
    ClientRateLimits,
    ApiRateLimits,
  ],
  exports: [RateLimiter, ClientRateLimits, ApiRateLimits, RATE_LIMIT_STORE],
})
export class RateLimitModule {}
