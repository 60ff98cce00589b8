/**
 * Who is calling. `user`: a person, through an OAuth access token or the console session.
 * `client`: an internal service, through a client_credentials token — never acts as a user.
 * `api_key`: a developer's key, acting for its owner (userId) within the key's scopes.
 */
export interface Principal {
  kind: 'user' | 'client' | 'api_key';
  /** user id for `user`, client_id for `client`, key id for `api_key`. */
  subject: string;
  /** The user the request acts for (absent for `client`). */
  userId?: string;
  clientId?: string;
  scopes: ReadonlySet<string>;
  /** How it authenticated: lets routes demand a session (CSRF-protected) for self-service. */
  via: 'bearer' | 'api_key' | 'session';
  /** Bearer tokens: the token's id and authorization family, for revocation. */
  jti?: string;
  grantId?: string;
  sessionId?: string;
}

/** The credential kinds a request can present; a route says which it accepts. */
export type CredentialKind = 'bearer' | 'api_key' | 'session';
