import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';

import { ClientsModule } from '../../clients/clients.module';
import { credentialStrategyProvider } from '../../platform/auth/credential-strategy';
import { DpopService } from '../dpop/dpop.service';
import { KeysModule } from '../keys/keys.module';
import { DenyListModule } from '../revocation/deny-list.module';
import { AccessTokensService } from './access-tokens.service';
import { JwtStrategy } from './jwt.strategy';
import { TokenClockModule } from './token-clock.module';

/**
 * JWT access tokens (RFC 9068): issuing and verifying them, and the bearer-token strategy (JwtStrategy) the
 * global guard runs. Re-exports the signing keys, the deny list and the clock that every token user needs.
 * JwtModule gets no key: each call passes the current key, so rotation needs no module re-configuration.
 */
@Module({
  imports: [
    JwtModule.register({}),
    TokenClockModule,
    KeysModule,
    DenyListModule,
    // A deleted (revoked) client's tokens stop at once: JwtStrategy asks ClientsService (cached).
    ClientsModule,
  ],
  providers: [
    AccessTokensService,
    DpopService,
    JwtStrategy,
    credentialStrategyProvider('bearer', JwtStrategy),
  ],
  exports: [AccessTokensService, DpopService, KeysModule, DenyListModule, TokenClockModule],
})
export class JwtTokensModule {}
