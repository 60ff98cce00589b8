import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailModule } from '../../platform/mail/mail.module';
import { UsersModule } from '../../users/users.module';
import { RecoveryCode } from './recovery-code.entity';
import { PendingSignIn } from './pending-sign-in';
import { RecentFactor } from './recent-factor';
import { SessionsModule } from '../../sessions/sessions.module';
import { SecondFactors } from './second-factors.service';
import { TotpFactor } from './totp-factor.entity';

/** Second factors: owns the TOTP and recovery-code tables; the sign-in and console pages use its services. */
@Module({
  imports: [TypeOrmModule.forFeature([TotpFactor, RecoveryCode]), UsersModule, MailModule, SessionsModule],
  providers: [SecondFactors, PendingSignIn, RecentFactor],
  exports: [SecondFactors, PendingSignIn, RecentFactor],
})
export class MfaModule {}
