import { createHmac } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { constantTimeEqual } from '../../platform/crypto/crypto.service';
import { clearCookie, readCookie, setCookie } from '../../platform/http/cookies';

/** Long enough to open an authenticator app, short enough that a forgotten tab is useless. */
const PENDING_TTL_SECONDS = 300;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface Pending {
  userId: string;
}

/**
 * Between the right password and the second factor: a short-lived, HMAC-signed cookie naming the user.
 * It is no session (no console, no code, no CSRF binding of its own): it only lets this browser show the
 * second-factor page for that user, and it ends when the factor is proven. Nothing stored server-side.
 */
@Injectable()
export class PendingSignIn {
  readonly cookieName: string;
  private readonly secure: boolean;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.secure = config.issuer.startsWith('https://');
    this.cookieName = this.secure ? '__Host-iiniit_mfa' : 'iiniit_mfa';
  }

  begin(reply: FastifyReply, userId: string): void {
    const expires = Math.floor(Date.now() / 1000) + PENDING_TTL_SECONDS;
    const body = `${userId}.${expires}`;
    setCookie(reply, this.cookieName, `${body}.${this.mac(body)}`, {
      secure: this.secure,
      maxAge: PENDING_TTL_SECONDS,
    });
  }

  read(request: FastifyRequest): Pending | null {
    const value = readCookie(request, this.cookieName);
    if (!value || value.length > 200) return null;
    const [userId, expires, mac] = value.split('.');
    if (!userId || !expires || !mac || !UUID.test(userId) || !/^\d{1,12}$/.test(expires)) return null;
    if (!constantTimeEqual(this.mac(`${userId}.${expires}`), mac)) return null;
    if (Number(expires) * 1000 <= Date.now()) return null;
    return { userId };
  }

  end(reply: FastifyReply): void {
    clearCookie(reply, this.cookieName, this.secure);
  }

  private mac(body: string): string {
    return createHmac('sha256', this.config.secrets.pepper).update(`mfa-pending:${body}`).digest('base64url');
  }
}
