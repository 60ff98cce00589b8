import { Inject, Injectable } from '@nestjs/common';

import { ClientsService } from '../../clients/clients.service';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { ResourcesService } from '../../resources/resources.service';
import { AuthorizationsService } from '../../tokens/authorizations/authorizations.service';
import { AuthorizationCodesService } from '../../tokens/codes/authorization-codes.service';
import type { AuthContext } from '../../tokens/oidc/auth-context';
import {
  PushedAuthorizationRequestsService,
  REQUEST_URI_PREFIX,
} from '../../tokens/par/pushed-authorization-requests.service';
import { AuthorizationPageError, AuthorizationRedirect, InvalidAuthorizationRequest } from '../auth.errors';
import {
  type AuthorizationCheckEnv,
  type AuthorizationContext,
  type AuthorizationParams,
  type AuthorizationRequest,
  pickAuthorizationParams,
} from './authorization-request';
import { responseLocation } from './authorization-response';
import { ALL_AUTHORIZATION_CHECKS } from './checks';

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
    resources: ResourcesService,
    private readonly pushed: PushedAuthorizationRequestsService,
  ) {
    this.env = { clients, config, resources };
  }

  /**
   * Runs the checks in order. Errors before the redirect URI is trusted are pages (AuthorizationPageError);
   * later ones are redirected to it with error, error_description, state and iss (RFC 6749 §4.1.2.1).
   */
  async validate(all: AuthorizationParams, method: string): Promise<AuthorizationRequest> {
    // Only our own pushed requests are references (RFC 9126 §4); any other request_uri is a request object
    // by reference (OIDC Core §6.2), refused by the OIDC check with request_uri_not_supported.
    const requestUri = all.request_uri?.startsWith(REQUEST_URI_PREFIX) ? all.request_uri : undefined;
    const ctx: AuthorizationContext =
      requestUri === undefined
        ? { params: pickAuthorizationParams(all) }
        : { ...(await this.pushedParams(requestUri, all.client_id)), pushed: true };
    try {
      for (const check of ALL_AUTHORIZATION_CHECKS) await check(ctx, this.env);
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
      oidc: ctx.oidc!,
      resources: ctx.resources ?? [],
      requestUri,
      interactionStartedAt: ctx.interactionStartedAt,
      // A pushed request travels by reference through login and consent (RFC 9126 §4).
      params: requestUri === undefined ? ctx.params : { client_id: all.client_id, request_uri: requestUri },
    };
  }

  /**
   * RFC 9126 §4: the pushed parameters replace whatever else came with request_uri. Until its client is
   * known nothing can be redirected, so every refusal is a page.
   */
  private async pushedParams(
    requestUri: string,
    clientId: string | undefined,
  ): Promise<{ params: AuthorizationParams; interactionStartedAt: Date }> {
    const client = clientId === undefined ? null : await this.env.clients.findActive(clientId);
    if (!client) {
      throw new AuthorizationPageError('invalid_request', 'The request does not name a registered app.');
    }
    const pushed = await this.pushed.resolve(requestUri, client.clientId);
    if (typeof pushed === 'string') {
      throw new AuthorizationPageError(
        'invalid_request_uri',
        pushed === 'expired' || pushed === 'used'
          ? 'This sign-in request has expired or was already used. Start again from the app.'
          : 'This sign-in request is not valid. Start again from the app.',
      );
    }
    return { params: pickAuthorizationParams(pushed.params), interactionStartedAt: pushed.startedAt };
  }

  /** RFC 9126 §4: a pushed request is good for one decision. */
  private async usePushed(request: AuthorizationRequest): Promise<void> {
    if (request.requestUri !== undefined && !(await this.pushed.consume(request.requestUri))) {
      throw new AuthorizationPageError(
        'invalid_request_uri',
        'This sign-in request has expired or was already used. Start again from the app.',
      );
    }
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
    await this.usePushed(request);
    const authorization = await this.authorizations.approve(userId, request.client.clientId, request.scopes);
    const code = await this.codes.issue({
      clientId: request.client.clientId,
      userId,
      grantId: authorization.id,
      redirectUri: request.redirectUri,
      redirectUriSent: request.redirectUriSent,
      scopes: request.scopes,
      resources: request.resources.map((r) => r.uri),
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
  async deny(request: AuthorizationRequest, method: string): Promise<AuthorizationRedirect> {
    await this.usePushed(request);
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
