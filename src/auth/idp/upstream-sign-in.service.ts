import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AuditService } from '../../audit/audit.service';
import { SessionsService } from '../../sessions/sessions.service';
import { EmailTaken } from '../../users/users.errors';
import { UsersService } from '../../users/users.service';
import { type IdentityProviderConfig, IdentityProvidersService } from './identity-providers.service';
import type { UpstreamAttempt, UpstreamProfile } from './upstream-strategy';

/** RFC 8176 §2: federated authentication. */
export const AMR_FEDERATED = 'fed';

export type UpstreamSignInResult =
  | { outcome: 'signed_in'; userId: string; created: boolean }
  | { outcome: 'linked' }
  | { outcome: 'refused'; status: number; code: string; text: string };

function refused(status: number, code: string, text: string): UpstreamSignInResult {
  return { outcome: 'refused', status, code, text };
}

/**
 * The account rules for an upstream sign-in. A user is found by (provider, subject) only, never by email:
 * the first sign-in creates an account; an email that already belongs to an account never merges into it
 * (verified upstream or not) — the owner links the provider from a signed-in session instead.
 */
@Injectable()
export class UpstreamSignIn {
  constructor(
    private readonly providers: IdentityProvidersService,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  async complete(
    req: FastifyRequest,
    reply: FastifyReply,
    provider: IdentityProviderConfig,
    profile: UpstreamProfile,
    attempt: UpstreamAttempt,
  ): Promise<UpstreamSignInResult> {
    const meta = { ip: req.ip, userAgent: req.headers['user-agent'] };
    if (attempt.linkUserId !== undefined) return this.link(req, provider, profile, attempt.linkUserId, meta);

    const known = await this.providers.findIdentity(provider.id, profile.subject);
    let userId: string;
    let created = false;
    if (known) {
      const user = await this.users.findById((await this.providers.userOf(known.id)) ?? '');
      if (!user || user.disabledAt) {
        return refused(
          403,
          'access_denied',
          'This account cannot sign in. Contact the operator of this site.',
        );
      }
      userId = user.id;
      await this.providers.touch(known.id);
    } else {
      if (!profile.email) {
        return refused(
          400,
          'email_required',
          `${provider.name} did not share an email address with us, so we cannot create an account.`,
        );
      }
      try {
        const user = await this.users.createFederated({
          email: profile.email,
          displayName: profile.name ?? undefined,
          emailVerified: profile.emailVerified,
        });
        userId = user.id;
      } catch (error) {
        if (error instanceof EmailTaken) {
          return refused(
            409,
            'account_exists',
            `An account with this email address already exists. Sign in with your password, then link ${provider.name} under “Linked sign-ins” in the console.`,
          );
        }
        throw error;
      }
      if (!(await this.providers.link(userId, provider.id, profile.subject, profile.email))) {
        // Another tab finished the same first sign-in a moment earlier: keep that account, drop this one.
        await this.users.delete(userId);
        return refused(
          409,
          'conflict',
          'This sign-in was already completed in another tab. Please try again.',
        );
      }
      created = true;
      await this.audit.record({
        type: 'sign_up',
        userId,
        ...meta,
        details: { provider: provider.slug },
      });
    }
    // RFC 8176: "fed", and what the provider reports it did (e.g. "mfa").
    const amr = [AMR_FEDERATED, ...profile.amr.filter((m) => m !== AMR_FEDERATED)].slice(0, 10);
    await this.sessions.start(reply, req, userId, amr);
    await this.audit.record({
      type: 'sign_in.succeeded',
      userId,
      ...meta,
      details: { provider: provider.slug, method: AMR_FEDERATED },
    });
    return { outcome: 'signed_in', userId, created };
  }

  /** Linking happens only for the signed-in user who started it from the console. */
  private async link(
    req: FastifyRequest,
    provider: IdentityProviderConfig,
    profile: UpstreamProfile,
    userId: string,
    meta: { ip: string; userAgent?: string },
  ): Promise<UpstreamSignInResult> {
    const session = await this.sessions.current(req);
    if (!session || session.userId !== userId) {
      return refused(403, 'access_denied', 'Sign in first, then link the provider from the console.');
    }
    const known = await this.providers.findIdentity(provider.id, profile.subject);
    if (known) {
      if ((await this.providers.userOf(known.id)) === userId) return { outcome: 'linked' };
      return refused(409, 'conflict', `That ${provider.name} account is already linked to another account.`);
    }
    if (!(await this.providers.link(userId, provider.id, profile.subject, profile.email))) {
      return refused(409, 'conflict', `Your account is already linked to another ${provider.name} account.`);
    }
    await this.audit.record({
      type: 'upstream_identity.linked',
      userId,
      ...meta,
      details: { provider: provider.slug },
    });
    return { outcome: 'linked' };
  }
}
