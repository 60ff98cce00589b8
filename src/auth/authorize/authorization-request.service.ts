import { Inject, Injectable } from '@nestjs/common';
import { ClientsService } from '../../clients/clients.service';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { AuthorizationsService } from '../../tokens/authorizations/authorizations.service';
import { AuthorizationCodesService } from '../../tokens/codes/authorization-codes.service';
import { AuthorizationPageError, AuthorizationRedirect, InvalidAuthorizationRequest } from '../auth.errors';
import {
  pickAuthorizationParams,
  type AuthorizationCheckEnv,
  type AuthorizationParams,
  type AuthorizationContext,
  type AuthorizationRequest,
} from './authorization-request';
import { responseLocation } from './authorization-response';
import { AUTHORIZATION_CHECKS, OIDC_AUTHORIZATION_CHECKS } from './checks';
import type { AuthContext } from '../../tokens/oidc/auth-context';

/** RFC 6749 §4.1.2: 302 answers a GET; a POSTed request is answered 303 so the browser follows with GET. */
function redirectStatus(method: string): 302 | 303 {
  return method === 'GET' ? 302 : 303;
}

/**
 * The authorization request (RFC 6749 §4.1.1): validated by the named checks in `checks/`, then answered
 * with a code or an error at the client's redirect URI.
 */
@Injectable()
export class AuthorizationRequestService {
  private readonly env: AuthorizationCheckEnv;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    clients: ClientsService,
    private readonly codes: AuthorizationCodesService,
    private readonly authorizations: AuthorizationsService,
  ) {
    this.env = { clients, config };
  }

  /**
   * Runs the checks in order. Errors before the redirect URI is trusted are pages (AuthorizationPageError);
   * later ones are redirected to it with error, error_description, state and iss (RFC 6749 §4.1.2.1).
   */
  async validate(all: AuthorizationParams, method: string): Promise<AuthorizationRequest> {
    const ctx: AuthorizationContext = { params: pickAuthorizationParams(all) };
    try {
      for (const check of AUTHORIZATION_CHECKS) await check(ctx, this.env);
      for (const check of OIDC_AUTHORIZATION_CHECKS) await check(ctx, this.env);
    } catch (error) {
      if (!(error instanceof InvalidAuthorizationRequest)) throw error;
      // Never redirect to an address no check has vouched for.
      if (ctx.redirectUri === undefined) throw new AuthorizationPageError(error.code, error.description);
      throw this.redirectError(ctx.redirectUri, method, error.code, error.description, ctx.state);
    }
    return {
      client: ctx.client!,
      redirectUri: ctx.redirectUri!,
      redirectUriSent: ctx.params.redirect_uri !== undefined,
      scopes: ctx.scopes!,
      state: ctx.state,
      codeChallenge: ctx.codeChallenge,
      params: ctx.params,
      oidc: ctx.oidc!,
    };
  }

  /** Consent is skipped when a confidential app already holds these scopes; public apps are always asked. */
  async needsConsent(request: AuthorizationRequest, userId: string): Promise<boolean> {
    if (request.client.type === 'public') return true;
    const authorization = await this.authorizations.findActive(userId, request.client.clientId);
    return !authorization || request.scopes.some((s) => !authorization.scopes.includes(s));
  }

  /** Records consent, mints the code and returns the redirect (RFC 6749 §4.1.2, RFC 9207 `iss`). */
  async approve(
    request: AuthorizationRequest,
    userId: string,
    method: string,
    /** The session's sign-in, for the id_token (OIDC Core §2 auth_time, amr, sid). */
    auth?: AuthContext,
  ): Promise<AuthorizationRedirect> {
    const authorization = await this.authorizations.approve(userId, request.client.clientId, request.scopes);
    const code = await this.codes.issue({
      clientId: request.client.clientId,
      userId,
      grantId: authorization.id,
      redirectUri: request.redirectUri,
      redirectUriSent: request.redirectUriSent,
      scopes: request.scopes,
      codeChallenge: request.codeChallenge ?? null,
      nonce: request.oidc.nonce,
      auth,
    });
    const location = responseLocation(request.redirectUri, {
      code,
      state: request.state,
      iss: this.config.issuer,
    });
    return new AuthorizationRedirect(location, redirectStatus(method), 'ok', 'authorization granted');
  }

  /** RFC 6749 §4.1.2.1 access_denied: the user said no. */
  deny(request: AuthorizationRequest, method: string): AuthorizationRedirect {
    return this.redirectError(
      request.redirectUri,
      method,
      'access_denied',
      'the user denied the request',
      request.state,
    );
  }

  /** An error for a valid request, redirected to its client (e.g. OIDC login_required for prompt=none). */
  fail(
    request: AuthorizationRequest,
    method: string,
    code: string,
    description: string,
  ): AuthorizationRedirect {
    return this.redirectError(request.redirectUri, method, code, description, request.state);
  }

  /** Canonical URL of the authorization request, for the login page's return path. */
  returnPath(request: AuthorizationRequest): string {
    return `/oauth2/authorize?${new URLSearchParams(request.params).toString()}`;
  }

  private redirectError(
    redirectUri: string,
    method: string,
    code: string,
    description: string,
    state?: string,
  ): AuthorizationRedirect {
    const location = responseLocation(redirectUri, {
      error: code,
      error_description: description,
      state,
      iss: this.config.issuer,
    });
    return new AuthorizationRedirect(location, redirectStatus(method), code, description);
  }
}
