import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { IdentityProvider } from './identity-provider.entity';
import { IdentityProvidersService } from './identity-providers.service';
import { UserIdentity } from './user-identity.entity';

/** Storage of upstream providers and linked identities; shared by the app and the admin CLI. */
@Module({
  imports: [TypeOrmModule.forFeature([IdentityProvider, UserIdentity])],
  providers: [IdentityProvidersService],
  exports: [IdentityProvidersService],
})
export class IdentityProvidersModule {}
