import { Injectable } from '@nestjs/common';

import type { ActiveSession } from '../../sessions/sessions.service';
import type { AuthContext } from '../../tokens/oidc/auth-context';
import { ACR_MFA, acrFor, isMultiFactor } from '../../tokens/oidc/auth-context';
import { IdTokenService } from '../../tokens/oidc/id-token.service';
import type { AuthorizationParams } from './authorization-request';
import { afterReauthentication, type OidcRequest } from './oidc-request';

/** What the authorization endpoint does next for a valid request. */
export type Interaction =
  | { step: 'login'; params: AuthorizationParams; loginHint?: string }
  | { step: 'consent' }
  /** acr_values asked for more than this session proved: the user confirms a second factor first. */
  | { step: 'second_factor' }
  | { step: 'approve' }
  /** prompt=none could not be satisfied silently: redirect this error to the client (§3.1.2.6). */
  | { step: 'error'; error: string; description: string };

export function authContextOfSession(session: ActiveSession): AuthContext {
  return { authTime: session.authTime, sid: session.sid, amr: session.amr, acr: acrFor(session.amr) };
}

/**
 * OpenID Connect Core 1.0 §3.1.2.1–§3.1.2.4 for one authorization request: whether the user must sign in
 * (no session, prompt=login, a session older than max_age, an id_token_hint naming someone else), whether
 * to show consent (not remembered, or prompt=consent), and with prompt=none the error instead of any page.
 */
@Injectable()
export class OidcInteraction {
  constructor(private readonly idTokens: IdTokenService) {}

  async next(input: {
    params: AuthorizationParams;
    oidc: OidcRequest;
    clientId: string;
    session: ActiveSession | null;
    /**
     * A pushed request travels by reference, so signing in cannot take prompt=login or max_age out of it:
     * a sign-in at or after this time (the browser's first visit with the request) answers them instead.
     */
    signedInForRequestSince?: Date;
    needsConsent: (userId: string) => Promise<boolean>;
    /** Whether the user has a second factor to prove (asked only when acr_values wants one). */
    hasSecondFactor?: (userId: string) => Promise<boolean>;
    now?: Date;
  }): Promise<Interaction> {
    const { oidc, session } = input;
    const silent = oidc.prompt.has('none');
    const now = input.now ?? new Date();

    // §3.1.2.1 id_token_hint: the client's view of who is signed in; someone else → sign in (or fail).
    let hintedSub: string | undefined;
    if (oidc.idTokenHint !== undefined) {
      const hint = this.idTokens.readHint(oidc.idTokenHint);
      if (!hint || hint.clientId !== input.clientId) {
        return {
          step: 'error',
          error: 'invalid_request',
          description: 'id_token_hint is not valid for this app',
        };
      }
      hintedSub = hint.sub;
    }

    const login = (params: AuthorizationParams): Interaction =>
      silent
        ? { step: 'error', error: 'login_required', description: 'the user must sign in' }
        : { step: 'login', params, ...(oidc.loginHint !== undefined ? { loginHint: oidc.loginHint } : {}) };

    // Signing in now satisfies prompt=login and max_age: the request to return to leaves them out.
    if (!session) return login(afterReauthentication(input.params));
    const since = input.signedInForRequestSince;
    // auth_time has whole seconds (OIDC Core §2), so the comparison does too.
    const freshForRequest =
      since !== undefined && session.authTime.getTime() >= Math.floor(since.getTime() / 1000) * 1000;
    if (oidc.prompt.has('login') && !freshForRequest) return login(afterReauthentication(input.params));
    // §3.1.2.1 max_age: elapsed seconds since the last active authentication.
    const tooOld = now.getTime() - session.authTime.getTime() > (oidc.maxAge ?? 0) * 1000;
    if (oidc.maxAge !== undefined && tooOld && !freshForRequest) {
      return login(afterReauthentication(input.params));
    }
    if (hintedSub !== undefined && hintedSub !== session.userId) {
      // Whoever signs in next is who the user chose to be: the hint has done its job.
      const { id_token_hint: _hint, ...rest } = input.params;
      return login(rest);
    }

    // §3.1.2.1 acr_values: a voluntary claim — a user without a second factor still signs in, and the
    // id_token's acr says what was achieved (§5.5.1.1); a user with one is asked for it.
    if (
      oidc.acrValues?.includes(ACR_MFA) &&
      !isMultiFactor(session.amr) &&
      (await input.hasSecondFactor?.(session.userId))
    ) {
      return silent
        ? {
            step: 'error',
            error: 'interaction_required',
            description: 'the user must confirm a second factor',
          }
        : { step: 'second_factor' };
    }

    // prompt=consent: ask even when the user already approved these scopes for this app.
    if (oidc.prompt.has('consent') || (await input.needsConsent(session.userId))) {
      return silent
        ? { step: 'error', error: 'consent_required', description: 'the user must approve this app' }
        : { step: 'consent' };
    }
    return { step: 'approve' };
  }
}
