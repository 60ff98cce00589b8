import { IsOptional, IsString } from 'class-validator';

import type { AuthorizationParams } from './authorization-request';

const TEXT = { message: 'must be text' };

/**
 * The authorization request's parameters (RFC 6749 §4.1.1, RFC 7636 §4.3) as form fields: the consent
 * form re-posts them and the published doc's /auth/login takes them. Their rules are the checks in
 * `checks/`, which run in RFC order; here they are only strings.
 */
export class AuthorizationParamsDto implements AuthorizationParams {
  @IsOptional() @IsString(TEXT) response_type?: string;
  @IsOptional() @IsString(TEXT) client_id?: string;
  @IsOptional() @IsString(TEXT) redirect_uri?: string;
  @IsOptional() @IsString(TEXT) scope?: string;
  @IsOptional() @IsString(TEXT) state?: string;
  @IsOptional() @IsString(TEXT) code_challenge?: string;
  @IsOptional() @IsString(TEXT) code_challenge_method?: string;
  // OpenID Connect Core §3.1.2.1; checked by checks/check-oidc.ts.
  @IsOptional() @IsString(TEXT) nonce?: string;
  @IsOptional() @IsString(TEXT) prompt?: string;
  @IsOptional() @IsString(TEXT) max_age?: string;
  @IsOptional() @IsString(TEXT) login_hint?: string;
  @IsOptional() @IsString(TEXT) id_token_hint?: string;
  @IsOptional() @IsString(TEXT) acr_values?: string;
  @IsOptional() @IsString(TEXT) claims?: string;
  @IsOptional() @IsString(TEXT) request?: string;
  @IsOptional() @IsString(TEXT) resource?: string;
  @IsOptional() @IsString(TEXT) request_uri?: string;
}

/** Whether a query or form carries an authorization request (the published doc's /auth/login entry). */
export function carriesAuthorizationRequest(params: AuthorizationParams): boolean {
  return params.response_type !== undefined || params.client_id !== undefined;
}
