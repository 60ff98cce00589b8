import { Inject, Injectable } from '@nestjs/common';
import { ClientsService, type ClientView } from '../clients/clients.service';
import { ApiError } from '../platform/errors/api-error';
import { isKnownScope, parseScope } from '../tokens/scopes';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AuthorizationCodesService } from '../tokens/codes/authorization-codes.service';
import { GrantsService } from '../tokens/authorizations/grants.service';
import { isValidPkceValue } from '../tokens/codes/pkce';
import { AuthorizationPageError, AuthorizationRedirect } from './auth.errors';
import type { AuthContext } from '../tokens/oidc/auth-context';
import {
  checkOidcParameters,
  isOidcRequestError,
  OIDC_AUTHORIZATION_PARAMS,
  type OidcRequest,
} from './oidc/oidc-request';

/** RFC 6749 §4.1.1 parameters we read (others are ignored). */
export const AUTHORIZATION_PARAMS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
] as const;

/** Echoed back exactly; longer is refused so nothing is ever truncated silently. */
export const MAX_STATE_LENGTH = 2048;

export interface AuthorizationRequest {
  client: ClientView;
  redirectUri: string;
  redirectUriSent: boolean;
  scopes: string[];
  state?: string;
  codeChallenge?: string;
  /** The parameters as received (only the ones above): for the login return path and the consent form. */
  params: Record<string, string>;
  /** OpenID Connect Core §3.1.2.1 parameters (nonce, prompt, max_age, hints). */
  oidc: OidcRequest;
}

@Injectable()
export class AuthorizationService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clients: ClientsService,
    private readonly codes: AuthorizationCodesService,
    private readonly grants: GrantsService,
  ) {}

  /**
   * Validates in the order RFC 6749 §4.1.2.1 requires: first client and redirect_uri (errors shown as a
   * page, never redirected), then everything else (errors redirected to the now-trusted redirect_uri).
   */
  async validate(all: Record<string, string>, method: string): Promise<AuthorizationRequest> {
    const params: Record<string, string> = {};
    for (const name of [...AUTHORIZATION_PARAMS, ...OIDC_AUTHORIZATION_PARAMS])
      if (all[name] !== undefined) params[name] = all[name];

    if (!params.client_id)
      throw new AuthorizationPageError(
        'invalid_request',
        'The request does not name an app (client_id is missing).',
      );
    const client = await this.clients.findActive(params.client_id);
    if (!client)
      throw new AuthorizationPageError('invalid_client', 'The app that sent you here is not registered.');

    let redirectUri: string;
    if (params.redirect_uri !== undefined) {
      // RFC 9700 §4.1.3: exact string comparison, no normalisation, no prefix or pattern matching.
      if (!client.redirectUris.includes(params.redirect_uri)) {
        throw new AuthorizationPageError(
          'invalid_request',
          'The redirect address is not registered for this app.',
        );
      }
      redirectUri = params.redirect_uri;
    } else if (client.redirectUris.length === 1) {
      redirectUri = client.redirectUris[0]!;
    } else {
      throw new AuthorizationPageError(
        'invalid_request',
        'The request must say where to return (redirect_uri is missing).',
      );
    }

    const state = params.state;
    const fail = (code: string, description: string): never => {
      throw this.redirectError(
        redirectUri,
        method,
        code,
        description,
        state && state.length <= MAX_STATE_LENGTH ? state : undefined,
      );
    };
    if (state !== undefined && state.length > MAX_STATE_LENGTH)
      fail('invalid_request', `state must be at most ${MAX_STATE_LENGTH} characters`);
    if (!params.response_type) fail('invalid_request', 'response_type is required');
    if (params.response_type !== 'code')
      fail('unsupported_response_type', 'only response_type=code is supported');
    if (!client.grantTypes.includes('authorization_code'))
      fail('unauthorized_client', 'this app may not use the authorization code flow');

    const requested = parseScope(params.scope);
    if (requested === undefined) fail('invalid_scope', 'scope is malformed');
    const unknown = requested!.filter((s) => !isKnownScope(s));
    if (unknown.length) fail('invalid_scope', `unknown scope: ${unknown.join(' ').slice(0, 100)}`);
    const notAllowed = requested!.filter((s) => !client.scopes.includes(s));
    if (notAllowed.length) fail('invalid_scope', `scope not allowed for this app: ${notAllowed.join(' ')}`);
    // No scope requested → the app's registered scopes (RFC 6749 §3.3 lets the server pick a default).
    const scopes = requested!.length ? requested! : client.scopes;
    if (scopes.length === 0) fail('invalid_scope', 'no scope requested and the app has no default scope');

    // RFC 7636 + RFC 9700 §2.1.1: S256 only; required for public clients (and all, in the OAuth 2.1 profile).
    const challenge = params.code_challenge;
    if (challenge !== undefined) {
      if (params.code_challenge_method !== 'S256')
        fail('invalid_request', 'code_challenge_method must be S256 (plain is not supported)');
      if (!isValidPkceValue(challenge))
        fail('invalid_request', 'code_challenge must be 43-128 characters of [A-Za-z0-9-._~]');
    } else {
      if (params.code_challenge_method !== undefined)
        fail('invalid_request', 'code_challenge_method without code_challenge');
      if (client.type === 'public')
        fail('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256');
      if (this.config.requirePkce)
        fail('invalid_request', 'PKCE is required by this server: send code_challenge (S256)');
    }

    const oidc = checkOidcParameters(params, scopes);
    if (isOidcRequestError(oidc)) fail(oidc.error, oidc.description);

    return {
      client,
      redirectUri,
      redirectUriSent: params.redirect_uri !== undefined,
      scopes,
      state,
      codeChallenge: challenge,
      params,
      oidc: oidc as OidcRequest,
    };
  }

  /** Consent is skipped when a confidential app already holds these scopes; public apps are always asked. */
  async needsConsent(request: AuthorizationRequest, userId: string): Promise<boolean> {
    if (request.client.type === 'public') return true;
    const grant = await this.grants.findActive(userId, request.client.clientId);
    return !grant || request.scopes.some((s) => !grant.scopes.includes(s));
  }

  /** Records consent, mints the code and returns the redirect (RFC 6749 §4.1.2, RFC 9207 `iss`). */
  async approve(
    request: AuthorizationRequest,
    userId: string,
    method: string,
    /** The session's sign-in, for the id_token (OIDC Core §2 auth_time, amr, sid). */
    auth?: AuthContext,
  ): Promise<AuthorizationRedirect> {
    const grant = await this.grants.approve(userId, request.client.clientId, request.scopes);
    const code = await this.codes.issue({
      clientId: request.client.clientId,
      userId,
      grantId: grant.id,
      redirectUri: request.redirectUri,
      redirectUriSent: request.redirectUriSent,
      scopes: request.scopes,
      codeChallenge: request.codeChallenge ?? null,
      nonce: request.oidc.nonce,
      auth,
    });
    const location = this.location(request.redirectUri, {
      code,
      state: request.state,
      iss: this.config.issuer,
    });
    return new AuthorizationRedirect(location, method === 'GET' ? 302 : 303, 'ok', 'authorization granted');
  }

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
  returnPath(params: Record<string, string>): string {
    return `/oauth2/authorize?${new URLSearchParams(params).toString()}`;
  }

  private redirectError(
    redirectUri: string,
    method: string,
    code: string,
    description: string,
    state?: string,
  ): AuthorizationRedirect {
    const location = this.location(redirectUri, {
      error: code,
      error_description: description,
      state,
      iss: this.config.issuer,
    });
    return new AuthorizationRedirect(location, method === 'GET' ? 302 : 303, code, description);
  }

  /** Adds parameters to the redirect URI, keeping its own query (RFC 6749 §3.1.2). */
  private location(redirectUri: string, params: Record<string, string | undefined>): string {
    const url = new URL(redirectUri);
    for (const [name, value] of Object.entries(params))
      if (value !== undefined) url.searchParams.append(name, value);
    return url.toString();
  }
}

export function isAuthorizationRedirect(error: unknown): error is AuthorizationRedirect {
  return error instanceof AuthorizationRedirect || (error instanceof ApiError && error.status === 302);
}
