import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { MailModule } from '../../platform/mail/mail.module';
import { SessionsModule } from '../../sessions/sessions.module';
import { UsersModule } from '../../users/users.module';
import { Passkey } from './passkey.entity';
import { Passkeys } from './passkeys.service';
import { PendingSignIn } from './pending-sign-in';
import { RecentFactor } from './recent-factor';
import { RecoveryCode } from './recovery-code.entity';
import { SecondFactors } from './second-factors.service';
import { TotpFactor } from './totp-factor.entity';
import { WebAuthnChallenge } from './webauthn-challenge.entity';

/** Second factors: owns the TOTP and recovery-code tables; the sign-in and console pages use its services. */
@Module({
  imports: [
    TypeOrmModule.forFeature([TotpFactor, RecoveryCode, Passkey, WebAuthnChallenge]),
    UsersModule,
    MailModule,
    SessionsModule,
  ],
  providers: [SecondFactors, PendingSignIn, RecentFactor, Passkeys],
  exports: [SecondFactors, PendingSignIn, RecentFactor, Passkeys],
})
export class MfaModule {}
