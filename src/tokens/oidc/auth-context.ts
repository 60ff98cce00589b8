/**
 * How and when the user authenticated (OIDC Core §2): recorded by the browser session, copied into each
 * authorization code and refresh token, and stated in every id_token issued from them.
 */
export interface AuthContext {
  /** When the user last actively authenticated (auth_time), not when the session was last used. */
  authTime: Date;
  /** The session id published in id_tokens (`sid`), never the session cookie or its hash. */
  sid: string;
  /** RFC 8176 method references: `pwd` today; `otp`, `hwk`, `fed` with later sign-in methods. */
  amr: string[];
  acr: string;
}

/** OIDC Core §2 `acr`: a sign-in that proved two factors (password + TOTP, or a passkey with user verification). */
export const ACR_MFA = 'urn:iiniit:acr:mfa';
/** One factor: a password, or a federated sign-in we cannot see into. */
export const ACR_SINGLE_FACTOR = 'urn:iiniit:acr:1fa';
/** What discovery lists as acr_values_supported, strongest first. */
export const ACR_VALUES = [ACR_MFA, ACR_SINGLE_FACTOR] as const;

/**
 * OIDC Core §2 `acr` from the RFC 8176 method references: product-specific URNs (§2 allows absolute URIs),
 * so a client can ask for `urn:iiniit:acr:mfa` in acr_values (§3.1.2.1) and check it in the id_token.
 */
export function acrFor(amr: readonly string[]): string {
  return isMultiFactor(amr) ? ACR_MFA : ACR_SINGLE_FACTOR;
}

export function isMultiFactor(amr: readonly string[]): boolean {
  return amr.includes('mfa') || amr.filter((m) => m !== 'mfa').length > 1;
}

/** The columns of a code or refresh token row that hold an AuthContext (null when it was issued without). */
export interface StoredAuthContext {
  authTime: Date | null;
  sid: string | null;
  amr: string[] | null;
  acr: string | null;
}

export function storedAuthContext(context: AuthContext | undefined): StoredAuthContext {
  return context
    ? { authTime: context.authTime, sid: context.sid, amr: [...context.amr], acr: context.acr }
    : { authTime: null, sid: null, amr: null, acr: null };
}

export function authContextOf(row: StoredAuthContext): AuthContext | undefined {
  if (!row.authTime || !row.sid) return undefined;
  const amr = row.amr ?? [];
  return { authTime: row.authTime, sid: row.sid, amr, acr: row.acr ?? acrFor(amr) };
}
