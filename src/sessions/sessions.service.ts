import { createHmac, randomUUID } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Repository } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { deleteBatch } from '../database/batch-delete';
import { constantTimeEqual, randomToken, SecretHasher } from '../platform/crypto/crypto.service';
import { clearCookie, readCookie, setCookie } from '../platform/http/cookies';
import { Session } from './session.entity';

/** How stale a session's "last seen" may be: it costs one write per session per this period. */
const LAST_SEEN_RESOLUTION_MS = 5 * 60_000;

export interface ActiveSession {
  idHash: string;
  userId: string;
  /** The cookie value: binds the CSRF token to this session. */
  token: string;
  /** OIDC Core §2: when the user signed in (auth_time) and how (amr); `sid` is the public session id. */
  authTime: Date;
  amr: string[];
  sid: string;
}

/** RFC 8176 §2: a password. */
export const AMR_PASSWORD = 'pwd';
/** RFC 8176 §2: a one-time password (TOTP, or a single-use recovery code). */
export const AMR_OTP = 'otp';
/** RFC 8176 §2: proof of possession of a hardware-secured key (a passkey). */
export const AMR_HARDWARE_KEY = 'hwk';
/** RFC 8176 §2: user presence test (the authenticator's user-verification flag). */
export const AMR_USER_PRESENCE = 'user';
/** RFC 8176 §2: multiple-factor authentication. */
export const AMR_MFA = 'mfa';

/**
 * Server-side sessions. The cookie carries 256 random bits; the table keeps their HMAC, so a database
 * leak yields no usable session. CSRF tokens are derived (HMAC of the session token), so there is
 * nothing more to store, and a token from one session is useless in another.
 */
@Injectable()
export class SessionsService {
  readonly cookieName: string;
  readonly csrfCookieName: string;
  private readonly secure: boolean;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    private readonly hasher: SecretHasher,
  ) {
    this.secure = config.issuer.startsWith('https://');
    // The __Host- prefix pins the cookie to this host, path / and Secure (RFC 6265bis §4.1.3.2).
    this.cookieName = this.secure ? '__Host-iiniit_session' : 'iiniit_session';
    this.csrfCookieName = this.secure ? '__Host-iiniit_csrf' : 'iiniit_csrf';
  }

  /** Starts a fresh session (a new id at every sign-in: no session fixation) and sets the cookie. */
  async start(
    reply: FastifyReply,
    request: FastifyRequest,
    userId: string,
    amr: string[] = [AMR_PASSWORD],
  ): Promise<ActiveSession> {
    const previous = readCookie(request, this.cookieName);
    if (previous) await this.sessions.delete({ idHash: this.hasher.hash(previous) });
    const session = await this.create(userId, {
      ip: request.ip,
      userAgent: request.headers['user-agent'],
      amr,
    });
    setCookie(reply, this.cookieName, session.token, { secure: this.secure, maxAge: this.config.sessionTtl });
    return session;
  }

  async create(
    userId: string,
    meta: { ip?: string; userAgent?: string; amr?: string[] } = {},
  ): Promise<ActiveSession> {
    const token = randomToken();
    const idHash = this.hasher.hash(token);
    // Whole seconds: auth_time is stated in seconds (OIDC Core §2), and max_age compares against it.
    const authTime = new Date(Math.floor(Date.now() / 1000) * 1000);
    const amr = meta.amr ?? [AMR_PASSWORD];
    const sid = randomUUID();
    await this.sessions.insert({
      idHash,
      userId,
      ip: meta.ip?.slice(0, 64) ?? null,
      userAgent: meta.userAgent?.slice(0, 300) || null,
      expiresAt: new Date(Date.now() + this.config.sessionTtl * 1000),
      authTime,
      amr,
      sid,
    });
    return { idHash, userId, token, authTime, amr, sid };
  }

  async current(request: FastifyRequest): Promise<ActiveSession | null> {
    const token = readCookie(request, this.cookieName);
    if (!token || token.length > 100) return null;
    const idHash = this.hasher.hash(token);
    const session = await this.sessions.findOneBy({ idHash });
    if (!session) return null;
    if (session.expiresAt.getTime() <= Date.now()) {
      await this.sessions.delete({ idHash });
      return null;
    }
    this.touch(session);
    return {
      idHash,
      userId: session.userId,
      token,
      authTime: session.authTime,
      amr: session.amr,
      sid: session.sid,
    };
  }

  /**
   * "Last seen" for the sessions page: at most one fire-and-forget write per LAST_SEEN_RESOLUTION_MS
   * per session, never on the request's path.
   */
  private touch(session: Session): void {
    const now = Date.now();
    const seen = (session.lastSeenAt ?? session.createdAt).getTime();
    if (now - seen < LAST_SEEN_RESOLUTION_MS) return;
    void this.sessions
      .update({ idHash: session.idHash }, { lastSeenAt: new Date(now) })
      .catch(() => undefined);
  }

  /**
   * Step-up: the user just proved another factor in this session. OIDC Core §2 auth_time is the time of
   * the last active authentication, so it moves; the methods are the union of what was proven.
   */
  async elevate(session: ActiveSession, amr: string[]): Promise<ActiveSession> {
    const authTime = new Date(Math.floor(Date.now() / 1000) * 1000);
    const methods = [...new Set([...session.amr, ...amr])];
    await this.sessions.update({ idHash: session.idHash }, { amr: methods, authTime });
    return { ...session, amr: methods, authTime };
  }

  async end(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const token = readCookie(request, this.cookieName);
    if (token) await this.sessions.delete({ idHash: this.hasher.hash(token) });
    clearCookie(reply, this.cookieName, this.secure);
  }

  async endAllForUser(userId: string): Promise<void> {
    await this.sessions.delete({ userId });
  }

  /** One bounded batch of expired sessions (the janitor repeats it); returns the rows deleted. */
  async purgeExpired(batch = 1000): Promise<number> {
    return deleteBatch(this.sessions, `"expires_at" < now()`, [], batch);
  }

  /**
   * The CSRF token for this browser: bound to the session when signed in, else to a random pre-session
   * cookie (login and sign-up forms). Creates the pre-session cookie when missing.
   */
  csrfFor(request: FastifyRequest, reply: FastifyReply, session: ActiveSession | null): string {
    if (session) return this.csrfToken(session.token);
    let binding = readCookie(request, this.csrfCookieName);
    if (!binding || binding.length > 100) {
      binding = randomToken();
      setCookie(reply, this.csrfCookieName, binding, { secure: this.secure, maxAge: 3600 });
    }
    return this.csrfToken(binding);
  }

  /** Checks a submitted CSRF token against the session, or the pre-session cookie when signed out. */
  verifyCsrf(request: FastifyRequest, session: ActiveSession | null, submitted: unknown): boolean {
    if (typeof submitted !== 'string' || submitted.length === 0 || submitted.length > 100) return false;
    const binding = session ? session.token : readCookie(request, this.csrfCookieName);
    return !!binding && constantTimeEqual(this.csrfToken(binding), submitted);
  }

  csrfToken(binding: string): string {
    return createHmac('sha256', this.config.secrets.pepper).update(`csrf:${binding}`).digest('base64url');
  }
}
