import { OPENID_SCOPE } from '../../tokens/scopes';

/**
 * OpenID Connect Core 1.0 §3.1.2.1 authentication request parameters we read on top of RFC 6749's. They
 * travel with the authorization request through the login page and the consent form like the others.
 * `ui_locales` and `display` are accepted and ignored (§3.1.2.1: "the OP MAY ignore"); `acr_values` asking for
 * `urn:iiniit:acr:mfa` makes a user who has a second factor prove it (step-up).
 */
export const OIDC_AUTHORIZATION_PARAMS = [
  'nonce',
  'prompt',
  'max_age',
  'login_hint',
  'id_token_hint',
  'acr_values',
  'claims',
  'request',
  'request_uri',
] as const;

export type PromptValue = 'none' | 'login' | 'consent';
const PROMPT_VALUES: ReadonlySet<string> = new Set<PromptValue>(['none', 'login', 'consent']);

/** The nonce column's size; a nonce is an RP-chosen random value, never this long in practice. */
export const MAX_NONCE_LENGTH = 512;
const MAX_LOGIN_HINT_LENGTH = 254;

export interface OidcRequest {
  /** §3.1.2.1: only a request with `openid` in scope is an OpenID Connect request. */
  openid: boolean;
  nonce?: string;
  prompt: ReadonlySet<PromptValue>;
  /** Seconds; the user must have authenticated at most this long ago. */
  maxAge?: number;
  /** Pre-fills the email on the login page; never trusted for anything else. */
  loginHint?: string;
  idTokenHint?: string;
  /** §3.1.2.1 acr_values: requested authentication context classes, in order of preference. */
  acrValues?: string[];
}

/** An error the authorization endpoint redirects back to the client (RFC 6749 §4.1.2.1 shape). */
export interface OidcRequestError {
  error: string;
  description: string;
}

/**
 * Reads and checks the OIDC parameters of an authorization request whose client and redirect_uri are
 * already trusted. Returns the error to redirect with, or the parsed request.
 */
export function checkOidcParameters(
  params: Record<string, string | undefined>,
  scopes: readonly string[],
): OidcRequest | OidcRequestError {
  // §6: request objects are not supported (discovery says request_parameter_supported: false).
  if (params.request !== undefined) {
    return { error: 'request_not_supported', description: 'the request parameter is not supported' };
  }
  if (params.request_uri !== undefined) {
    return { error: 'request_uri_not_supported', description: 'the request_uri parameter is not supported' };
  }
  // §5.5: claims_parameter_supported is false — refusing is clearer than silently ignoring an ask.
  if (params.claims !== undefined) {
    return { error: 'invalid_request', description: 'the claims parameter is not supported' };
  }

  const nonce = params.nonce;
  if (nonce !== undefined && nonce.length > MAX_NONCE_LENGTH) {
    return { error: 'invalid_request', description: `nonce must be at most ${MAX_NONCE_LENGTH} characters` };
  }

  const prompt = new Set<PromptValue>();
  if (params.prompt !== undefined) {
    for (const value of params.prompt.split(' ').filter(Boolean)) {
      if (!PROMPT_VALUES.has(value)) {
        return { error: 'invalid_request', description: `unsupported prompt value: ${value.slice(0, 30)}` };
      }
      prompt.add(value as PromptValue);
    }
    // §3.1.2.1: "If this parameter contains none with any other value, an error is returned."
    if (prompt.has('none') && prompt.size > 1) {
      return { error: 'invalid_request', description: 'prompt=none cannot be combined with other values' };
    }
  }

  let maxAge: number | undefined;
  if (params.max_age !== undefined) {
    if (!/^\d{1,10}$/.test(params.max_age)) {
      return { error: 'invalid_request', description: 'max_age must be a number of seconds' };
    }
    maxAge = Number(params.max_age);
  }

  const loginHint =
    params.login_hint !== undefined && params.login_hint.length <= MAX_LOGIN_HINT_LENGTH
      ? params.login_hint
      : undefined;

  return {
    openid: scopes.includes(OPENID_SCOPE),
    ...(nonce !== undefined ? { nonce } : {}),
    prompt,
    ...(maxAge !== undefined ? { maxAge } : {}),
    ...(loginHint !== undefined ? { loginHint } : {}),
    ...(params.id_token_hint !== undefined ? { idTokenHint: params.id_token_hint } : {}),
    ...(params.acr_values ? { acrValues: params.acr_values.split(' ').filter(Boolean).slice(0, 10) } : {}),
  };
}

export function isOidcRequestError(value: OidcRequest | OidcRequestError): value is OidcRequestError {
  return 'error' in value;
}

/**
 * The authorization request to return to after the user signed in again because of prompt=login or
 * max_age: the same request without those two, so the fresh session satisfies it (the id_token's
 * auth_time tells the client when the sign-in happened).
 */
export function afterReauthentication<P extends { max_age?: string; prompt?: string }>(params: P): P {
  const next: P = { ...params };
  delete next.max_age;
  if (next.prompt !== undefined) {
    const rest = next.prompt.split(' ').filter((v) => v && v !== 'login');
    if (rest.length) next.prompt = rest.join(' ');
    else delete next.prompt;
  }
  return next;
}
