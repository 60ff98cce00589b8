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

/**
 * OIDC Core §2 `acr`: ISO/IEC 29115 levels as single digits ("0" is reserved for no real authentication).
 * One factor (a password, or a federated sign-in we cannot see into) is level 1; two factors, level 2.
 */
export function acrFor(amr: readonly string[]): string {
  const factors = amr.filter((m) => m !== 'mfa');
  return amr.includes('mfa') || factors.length > 1 ? '2' : '1';
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
