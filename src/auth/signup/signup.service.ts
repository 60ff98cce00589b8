import { Injectable } from '@nestjs/common';

import { AuditService } from '../../audit/audit.service';
import { ApiError, ValidationFailed } from '../../platform/errors/api-error';
import type { RequestMeta } from '../../platform/http/request-meta';
import { type RateDecision, RateLimiter } from '../../platform/rate-limit/rate-limiter.service';
import { EmailVerification } from '../../users/account/email-verification.service';
import { UsersService } from '../../users/users.service';

export interface SignupAttempt {
  name?: string;
  email: string;
  password: string;
  csrfValid: boolean;
  meta: RequestMeta & { ip: string };
}

export type SignupResult =
  | { outcome: 'signed_up'; userId: string }
  | { outcome: 'rate_limited'; decision: RateDecision; headers: Record<string, string> }
  | { outcome: 'csrf_failed' }
  /** The account rules refused a field (email shape, password policy, name length). */
  | { outcome: 'invalid'; error: ValidationFailed }
  /** Any other refusal, with its status (an account with this email already exists: 409). */
  | { outcome: 'refused'; status: number };

/** Self-service account creation: limited per IP (mass sign-up, probing which emails are taken), audited. */
@Injectable()
export class SignupService {
  constructor(
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly limiter: RateLimiter,
    private readonly verification: EmailVerification,
  ) {}

  async signUp(
    attempt: SignupAttempt,
    startSession: (userId: string) => Promise<void>,
  ): Promise<SignupResult> {
    const byIp = await this.limiter.hit('signup_ip', attempt.meta.ip);
    if (!byIp.allowed) {
      return { outcome: 'rate_limited', decision: byIp, headers: this.limiter.headers(byIp) };
    }
    if (!attempt.csrfValid) return { outcome: 'csrf_failed' };
    try {
      const user = await this.users.create({
        email: attempt.email,
        password: attempt.password,
        displayName: attempt.name,
      });
      await startSession(user.id);
      await this.audit.record({ type: 'sign_up', userId: user.id, ...attempt.meta });
      // The account works at once; the link proves the address (the OIDC email_verified claim).
      await this.verification.send(user.id, attempt.meta);
      return { outcome: 'signed_up', userId: user.id };
    } catch (error) {
      if (error instanceof ValidationFailed) return { outcome: 'invalid', error };
      if (error instanceof ApiError) return { outcome: 'refused', status: error.status };
      throw error;
    }
  }
}
