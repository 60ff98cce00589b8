import { Module } from '@nestjs/common';

import { SessionsModule } from '../../sessions/sessions.module';
import { UsersModule } from '../../users/users.module';
import { IdentityProvidersModule } from './identity-providers.module';
import { IdpController } from './idp.controller';
import { IdpRegistry } from './idp-registry';
import { LinkedSignIns } from './linked-sign-ins.service';
import { UpstreamFlow } from './upstream-flow';
import { UpstreamSignIn } from './upstream-sign-in.service';

/** Upstream sign-in: the strategies, the routes, the account rules. The console links through UpstreamFlow. */
@Module({
  imports: [IdentityProvidersModule, SessionsModule, UsersModule],
  controllers: [IdpController],
  providers: [IdpRegistry, UpstreamFlow, UpstreamSignIn, LinkedSignIns],
  exports: [UpstreamFlow, LinkedSignIns],
})
export class IdpModule {}
