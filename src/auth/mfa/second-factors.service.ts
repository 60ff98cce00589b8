import { randomInt } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { generateSecret, generateURI, verify } from 'otplib';
import { IsNull, Repository } from 'typeorm';

import { AuditService } from '../../audit/audit.service';
import { SecretBox, SecretHasher } from '../../platform/crypto/crypto.service';
import type { RequestMeta } from '../../platform/http/request-meta';
import { MailService } from '../../platform/mail/mail.service';
import { templates } from '../../platform/mail/templates';
import { UsersService } from '../../users/users.service';
import { Passkey } from './passkey.entity';
import { RecoveryCode } from './recovery-code.entity';
import { TotpFactor } from './totp-factor.entity';

/** RFC 6238 §4: 30-second steps, 6 digits (what every authenticator app uses by default). */
const TOTP_PERIOD = 30;
/** RFC 6238 §5.2: accept one step either side for clock drift and typing time, no more. */
const TOTP_TOLERANCE_SECONDS = TOTP_PERIOD;
export const RECOVERY_CODE_COUNT = 10;
/** No 0/O, 1/I/L: recovery codes are read off paper. 10 characters of 31 ≈ 50 bits each. */
const RECOVERY_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';

export interface TotpEnrolment {
  /** Base32, shown in text for apps that cannot scan. */
  secret: string;
  uri: string;
  /** The otpauth URI as an inline SVG QR code (no image request, no third-party service). */
  qrSvg: string;
}

export interface SecondFactorStatus {
  totp: boolean;
  passkeys: number;
  recoveryCodesLeft: number;
}

function sealContext(userId: string): string {
  return `totp-secret:${userId}`;
}

/** "ABCDE-FGHJK" typed as "abcdefghjk", with spaces or a dash: one canonical form to hash. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/**
 * The account's second factors other than passkeys: a TOTP authenticator (RFC 6238) and recovery codes.
 * The TOTP secret is sealed with a key derived from APP_SECRET; recovery codes are kept as keyed hashes.
 * Each verification is an atomic conditional UPDATE, so two requests racing with the same code cannot
 * both succeed.
 */
@Injectable()
export class SecondFactors {
  constructor(
    @InjectRepository(TotpFactor) private readonly totp: Repository<TotpFactor>,
    @InjectRepository(RecoveryCode) private readonly recovery: Repository<RecoveryCode>,
    @InjectRepository(Passkey) private readonly passkeys: Repository<Passkey>,
    private readonly box: SecretBox,
    private readonly hasher: SecretHasher,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly users: UsersService,
  ) {}

  async status(userId: string): Promise<SecondFactorStatus> {
    const [factor, passkeys, recoveryCodesLeft] = await Promise.all([
      this.totp.findOneBy({ userId }),
      this.passkeys.countBy({ userId }),
      this.recovery.countBy({ userId, usedAt: IsNull() }),
    ]);
    return { totp: !!factor?.confirmedAt, passkeys, recoveryCodesLeft };
  }

  /** Whether sign-in needs a second step for this user (asked only once the password is right). */
  async hasSecondFactor(userId: string): Promise<boolean> {
    const status = await this.status(userId);
    return status.totp || status.passkeys > 0;
  }

  /** A new secret (replacing an unconfirmed one): the authenticator is on only after `confirmTotp`. */
  async startTotp(userId: string, label: string, issuer: string): Promise<TotpEnrolment | null> {
    const existing = await this.totp.findOneBy({ userId });
    if (existing?.confirmedAt) return null;
    const secret = generateSecret();
    await this.totp.upsert(
      {
        userId,
        secretEncrypted: this.box.seal(secret, sealContext(userId)),
        confirmedAt: null,
        lastUsedStep: null,
      },
      ['userId'],
    );
    return this.enrolment(secret, label, issuer);
  }

  /** The enrolment in progress, to show again next to a wrong first code. */
  async pendingTotp(userId: string, label: string, issuer: string): Promise<TotpEnrolment | null> {
    const factor = await this.totp.findOneBy({ userId });
    if (!factor || factor.confirmedAt) return null;
    const secret = this.box.open(factor.secretEncrypted, sealContext(userId));
    return secret ? this.enrolment(secret, label, issuer) : null;
  }

  private async enrolment(secret: string, label: string, issuer: string): Promise<TotpEnrolment> {
    const uri = generateURI({ issuer, label, secret, period: TOTP_PERIOD });
    // Loaded on first use: only enrolment draws a QR code.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: see src/database/data-source.ts
    const { toString: qrSvg } = require('qrcode') as typeof import('qrcode');
    const svg = await qrSvg(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    return { secret, uri, qrSvg: svg };
  }

  /** The first code proves the app has the secret: the factor goes live and the recovery codes are made. */
  async confirmTotp(userId: string, code: string, meta: RequestMeta): Promise<string[] | null> {
    const factor = await this.totp.findOneBy({ userId });
    if (!factor || factor.confirmedAt) return null;
    if (!(await this.acceptCode(factor, code, true))) return null;
    const codes = await this.replaceRecoveryCodes(userId);
    await this.audit.record({ type: 'mfa.totp_enabled', userId, ...meta });
    return codes;
  }

  /** A sign-in code: right, within ±1 step, and from a later step than the last accepted one. */
  async verifyTotp(userId: string, code: string): Promise<boolean> {
    const factor = await this.totp.findOneBy({ userId });
    if (!factor?.confirmedAt) return false;
    return this.acceptCode(factor, code, false);
  }

  private async acceptCode(factor: TotpFactor, code: string, confirming: boolean): Promise<boolean> {
    const token = code.replace(/\s/g, '');
    if (!/^\d{6}$/.test(token)) return false;
    const secret = this.box.open(factor.secretEncrypted, sealContext(factor.userId));
    if (!secret) return false;
    const last = factor.lastUsedStep === null ? undefined : Number(factor.lastUsedStep);
    const result = await verify({
      secret,
      token,
      period: TOTP_PERIOD,
      epochTolerance: TOTP_TOLERANCE_SECONDS,
      ...(last !== undefined ? { afterTimeStep: last } : {}),
    });
    if (!result.valid) return false;
    // The TOTP strategy's result (the union type also covers HOTP) carries the matched time step.
    const step = (result as { timeStep: number }).timeStep;
    // RFC 6238 §5.2: "the verifier MUST NOT accept the second attempt of the same OTP". The condition on
    // the stored step makes the check and the write one atomic step across requests and instances.
    const update = this.totp
      .createQueryBuilder()
      .update()
      .set({ lastUsedStep: String(step), ...(confirming ? { confirmedAt: () => 'now()' } : {}) })
      .where('"user_id" = :userId', { userId: factor.userId })
      .andWhere('("last_used_step" IS NULL OR "last_used_step" < :step)', { step })
      .andWhere(confirming ? '"confirmed_at" IS NULL' : '"confirmed_at" IS NOT NULL');
    const { affected } = await update.execute();
    return affected === 1;
  }

  /** A recovery code works once; the user hears about every use by mail. */
  async useRecoveryCode(userId: string, code: string, meta: RequestMeta): Promise<boolean> {
    const canonical = normaliseRecoveryCode(code);
    if (!/^[a-z0-9]{10}$/.test(canonical)) return false;
    const { affected } = await this.recovery
      .createQueryBuilder()
      .update()
      .set({ usedAt: () => 'now()' })
      .where('"user_id" = :userId AND "code_hash" = :hash AND "used_at" IS NULL', {
        userId,
        hash: this.hasher.hash(`recovery:${canonical}`),
      })
      .execute();
    if (affected !== 1) return false;
    const left = await this.recovery.countBy({ userId, usedAt: IsNull() });
    await this.audit.record({ type: 'mfa.recovery_code_used', userId, ...meta, details: { left } });
    await this.notify(userId, templates.recoveryCodeUsed(left));
    return true;
  }

  async regenerateRecoveryCodes(userId: string, meta: RequestMeta): Promise<string[] | null> {
    if (!(await this.status(userId)).totp) return null;
    const codes = await this.replaceRecoveryCodes(userId);
    await this.audit.record({ type: 'mfa.recovery_codes_regenerated', userId, ...meta });
    await this.notify(userId, templates.recoveryCodesRegenerated());
    return codes;
  }

  /** Turns the authenticator off and drops the recovery codes that belonged to it. */
  async disableTotp(userId: string, meta: RequestMeta): Promise<boolean> {
    const { affected } = await this.totp.delete({ userId });
    await this.recovery.delete({ userId });
    if (!affected) return false;
    await this.audit.record({ type: 'mfa.totp_disabled', userId, ...meta });
    await this.notify(userId, templates.secondFactorRemoved('authenticator app'));
    return true;
  }

  private async replaceRecoveryCodes(userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await this.recovery.manager.transaction(async (m) => {
      await m.delete(RecoveryCode, { userId });
      await m.insert(
        RecoveryCode,
        codes.map((c) => ({ userId, codeHash: this.hasher.hash(`recovery:${normaliseRecoveryCode(c)}`) })),
      );
    });
    return codes;
  }

  private async notify(
    userId: string,
    content: ReturnType<typeof templates.recoveryCodeUsed>,
  ): Promise<void> {
    const user = await this.users.findById(userId);
    if (user) this.mail.send(user.email, content);
  }
}
