import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsModule } from '../../clients/clients.module';
import { Grant } from '../authorizations/grant.entity';
import { RevokedToken } from '../revocation/revoked-token.entity';
import { SigningKey } from '../keys/signing-key.entity';
import { credentialStrategyProvider } from '../../platform/auth/credential-strategy';
import { AccessTokensService } from './access-tokens.service';
import { CLOCK, systemClock } from './clock';
import { JwksController } from '../discovery/jwks.controller';
import { DEFAULT_JWT_TIMINGS, JWT_TIMINGS } from './jwt.constants';
import { RevocationService } from '../revocation/revocation.service';
import { SigningKeysService } from '../keys/signing-keys.service';
import { JwtStrategy } from './jwt.strategy';

/**
 * JWT access tokens (RFC 9068): signing keys and their rotation, the JWKS, issuing and verifying tokens,
 * revocation, and the bearer-token strategy (JwtStrategy) the global guard runs.
 * JwtModule gets no key: each call passes the current key, so rotation needs no module re-configuration.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([SigningKey, RevokedToken, Grant]),
    JwtModule.register({}),
    // A deleted (revoked) client's tokens stop at once: JwtStrategy asks ClientsService (cached).
    ClientsModule,
  ],
  controllers: [JwksController],
  providers: [
    { provide: CLOCK, useValue: systemClock },
    { provide: JWT_TIMINGS, useValue: DEFAULT_JWT_TIMINGS },
    SigningKeysService,
    AccessTokensService,
    RevocationService,
    JwtStrategy,
    credentialStrategyProvider('bearer', JwtStrategy),
  ],
  exports: [SigningKeysService, AccessTokensService, RevocationService, CLOCK],
})
export class JwtTokensModule {}
