import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { Repository } from 'typeorm';

import { AuditService } from '../../audit/audit.service';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import type { RequestMeta } from '../../platform/http/request-meta';
import { MailService } from '../../platform/mail/mail.service';
import { templates } from '../../platform/mail/templates';
import { UsersService } from '../../users/users.service';
import { Passkey } from './passkey.entity';
import { WebAuthnChallenge } from './webauthn-challenge.entity';

/**
 * @simplewebauthn/server with its X.509 and ASN.1 dependencies (~0.6 MB of module source), loaded at the first
 * passkey ceremony rather than at start: most processes never run one.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: see src/database/data-source.ts
const webauthn = () => require('@simplewebauthn/server') as typeof import('@simplewebauthn/server');

/** WebAuthn §15.1 recommends 300 s to 600 s for a ceremony; the shorter end, since it is single use anyway. */
const CHALLENGE_TTL_MS = 5 * 60_000;
const MAX_PASSKEYS = 20;

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** Who a verified passkey assertion belongs to. */
export interface PasskeyAssertion {
  userId: string;
  passkeyId: string;
}

type Purpose = 'register' | 'authenticate';

/** The challenge the browser signed, read from clientDataJSON (WebAuthn §5.8.1) before full verification. */
function challengeOf(clientDataJSON: unknown): string | null {
  if (typeof clientDataJSON !== 'string' || clientDataJSON.length > 4096) return null;
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as {
      challenge?: unknown;
    };
    return typeof data.challenge === 'string' && data.challenge.length <= 128 ? data.challenge : null;
  } catch {
    return null;
  }
}

/**
 * Passkeys with @simplewebauthn/server. The relying party is this deployment: RP ID = the ISSUER's host,
 * origin = the ISSUER's origin (WebAuthn §5.1.4.1 / §13.4.9), so a passkey made here works nowhere else.
 * User verification is required in every ceremony, which is what lets a passkey alone count as two factors.
 */
@Injectable()
export class Passkeys {
  readonly rpId: string;
  readonly origin: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectRepository(Passkey) private readonly passkeys: Repository<Passkey>,
    @InjectRepository(WebAuthnChallenge) private readonly challenges: Repository<WebAuthnChallenge>,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly mail: MailService,
  ) {
    const issuer = new URL(config.issuer);
    this.rpId = issuer.hostname;
    this.origin = issuer.origin;
  }

  list(userId: string): Promise<PasskeyView[]> {
    return this.passkeys.find({
      where: { userId },
      select: { id: true, name: true, createdAt: true, lastUsedAt: true },
      order: { createdAt: 'ASC' },
    });
  }

  async count(userId: string): Promise<number> {
    return this.passkeys.countBy({ userId });
  }

  async registrationOptions(userId: string): Promise<PublicKeyCredentialCreationOptionsJSON | null> {
    const user = await this.users.findById(userId);
    if (!user) return null;
    const existing = await this.passkeys.find({
      where: { userId },
      select: { credentialId: true, transports: true },
    });
    if (existing.length >= MAX_PASSKEYS) return null;
    const options = await webauthn().generateRegistrationOptions({
      rpName: 'iiniit',
      rpID: this.rpId,
      userName: user.email,
      userDisplayName: user.displayName,
      userID: Buffer.from(user.id.replace(/-/g, ''), 'hex'),
      attestationType: 'none',
      // §5.4.6: no second passkey on an authenticator that already holds one for this account.
      excludeCredentials: existing.map((p) => ({
        id: p.credentialId,
        transports: p.transports as AuthenticatorTransportFuture[],
      })),
      // Discoverable (resident) credentials, so the passkey can sign in without typing an email.
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    await this.storeChallenge(options.challenge, 'register', userId);
    return options;
  }

  async register(
    userId: string,
    name: string,
    response: RegistrationResponseJSON,
    meta: RequestMeta,
  ): Promise<PasskeyView | null> {
    const challenge = challengeOf(response?.response?.clientDataJSON);
    if (!challenge || !(await this.consumeChallenge(challenge, 'register', userId))) return null;
    let verification;
    try {
      verification = await webauthn().verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        requireUserVerification: true,
      });
    } catch {
      return null;
    }
    if (!verification.verified) return null;
    const { credential } = verification.registrationInfo;
    if (await this.passkeys.existsBy({ credentialId: credential.id })) return null;
    const saved = await this.passkeys.save(
      this.passkeys.create({
        userId,
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey),
        counter: String(credential.counter),
        transports: credential.transports ?? [],
        name: name.trim().slice(0, 100) || 'Passkey',
      }),
    );
    await this.audit.record({ type: 'mfa.passkey_added', userId, ...meta, details: { name: saved.name } });
    return { id: saved.id, name: saved.name, createdAt: saved.createdAt, lastUsedAt: null };
  }

  /**
   * Options for signing in with a passkey. With a user (the second factor), only their passkeys are
   * allowed; without one (passwordless), the browser offers the discoverable passkeys it holds for us.
   */
  async authenticationOptions(userId?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allow = userId
      ? await this.passkeys.find({ where: { userId }, select: { credentialId: true, transports: true } })
      : [];
    const options = await webauthn().generateAuthenticationOptions({
      rpID: this.rpId,
      userVerification: 'required',
      allowCredentials: allow.map((p) => ({
        id: p.credentialId,
        transports: p.transports as AuthenticatorTransportFuture[],
      })),
    });
    await this.storeChallenge(options.challenge, 'authenticate', userId ?? null);
    return options;
  }

  /** Verifies an assertion; `userId` when the ceremony was for a known user (second factor, step-up). */
  async authenticate(
    response: AuthenticationResponseJSON,
    userId?: string,
  ): Promise<PasskeyAssertion | null> {
    if (typeof response?.id !== 'string' || response.id.length > 1400) return null;
    const challenge = challengeOf(response.response?.clientDataJSON);
    if (!challenge || !(await this.consumeChallenge(challenge, 'authenticate', userId ?? null))) return null;
    const passkey = await this.passkeys.findOneBy({ credentialId: response.id });
    if (!passkey || (userId && passkey.userId !== userId)) return null;
    let verification;
    try {
      verification = await webauthn().verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        requireUserVerification: true,
        credential: {
          id: passkey.credentialId,
          publicKey: new Uint8Array(passkey.publicKey),
          counter: Number(passkey.counter),
          transports: passkey.transports,
        },
      });
    } catch {
      // Includes §6.1.1's counter check: a counter that did not grow means a possibly cloned authenticator.
      return null;
    }
    if (!verification.verified) return null;
    const next = verification.authenticationInfo.newCounter;
    // The conditional update keeps the counter monotonic across concurrent assertions (§6.1.1).
    const { affected } = await this.passkeys
      .createQueryBuilder()
      .update()
      .set({ counter: String(next), lastUsedAt: () => 'now()' })
      .where('"id" = :id', { id: passkey.id })
      .andWhere('("counter" < :next OR (:next = 0 AND "counter" = 0))', { next })
      .execute();
    if (affected !== 1) return null;
    return { userId: passkey.userId, passkeyId: passkey.id };
  }

  async remove(userId: string, id: string, meta: RequestMeta): Promise<boolean> {
    const passkey = await this.passkeys.findOneBy({ id, userId });
    if (!passkey) return false;
    await this.passkeys.delete({ id, userId });
    await this.audit.record({
      type: 'mfa.passkey_removed',
      userId,
      ...meta,
      details: { name: passkey.name },
    });
    const user = await this.users.findById(userId);
    if (user) this.mail.send(user.email, templates.secondFactorRemoved(`passkey “${passkey.name}”`));
    return true;
  }

  /** Expired challenges nobody answered: one bounded batch. */
  async purgeExpiredChallenges(): Promise<void> {
    await this.challenges.createQueryBuilder().delete().where('"expires_at" < now()').execute();
  }

  private async storeChallenge(challenge: string, purpose: Purpose, userId: string | null): Promise<void> {
    await this.purgeExpiredChallenges();
    await this.challenges.insert({
      challenge,
      purpose,
      userId,
      expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS),
    });
  }

  /** Single use: the DELETE that finds it is the only one that can (WebAuthn §13.4.3). */
  private async consumeChallenge(
    challenge: string,
    purpose: Purpose,
    userId: string | null,
  ): Promise<boolean> {
    const query = this.challenges
      .createQueryBuilder()
      .delete()
      .where('"challenge" = :challenge AND "purpose" = :purpose AND "expires_at" > now()', {
        challenge,
        purpose,
      });
    if (userId) query.andWhere('"user_id" = :userId', { userId });
    else query.andWhere('"user_id" IS NULL');
    const { affected } = await query.execute();
    return affected === 1;
  }
}

type AuthenticatorTransportFuture = 'ble' | 'cable' | 'hybrid' | 'internal' | 'nfc' | 'smart-card' | 'usb';
