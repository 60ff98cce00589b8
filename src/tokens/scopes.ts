/** The scopes this server knows (issue: unknown scope → invalid_scope), with plain words for consent. */
export const SCOPES = {
  'read:user': 'See your profile: name, email address and account id',
  'read:projects': 'See your projects',
  'write:projects': 'Create, change and delete your projects',
  // OpenID Connect Core 1.0 §5.4 (profile, email) and §11 (offline_access).
  openid: 'Sign you in with your iiniit account (your account id)',
  profile: 'See your name',
  email: 'See your email address',
  offline_access: 'Stay connected when you are not using it',
} as const;

export type Scope = keyof typeof SCOPES;
export const KNOWN_SCOPES = Object.keys(SCOPES) as Scope[];

/** OIDC Core §3.1.2.1: a request is an OpenID Connect request only when its scope contains `openid`. */
export const OPENID_SCOPE = 'openid';
/** OIDC Core §11: asks for a refresh token that works while the user is away (public clients need it). */
export const OFFLINE_ACCESS_SCOPE = 'offline_access';

/** OIDC Core §5.4: the standard claims each scope releases (at userinfo; `sub` always). */
export const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  openid: ['sub'],
  profile: ['name', 'updated_at'],
  email: ['email', 'email_verified'],
};

/** Every claim we can release, for discovery's claims_supported (plus the id_token's own claims). */
export const SUPPORTED_CLAIMS = [...new Set(Object.values(SCOPE_CLAIMS).flat())];

export function isKnownScope(value: string): value is Scope {
  return Object.prototype.hasOwnProperty.call(SCOPES, value);
}

/**
 * The management API's scopes (/v1/admin/*). Kept out of SCOPES on purpose: no user can consent to them,
 * the authorization endpoint and self-service registration refuse them as unknown, API keys and console
 * sessions never carry them. Only a confidential client_credentials client that an operator creates (the
 * admin CLI, or the management API itself) may hold them.
 */
export const MANAGEMENT_SCOPES = {
  'manage:clients': 'List, create, disable, delete OAuth clients and rotate their secrets',
  'manage:users': 'List, create, disable and delete user accounts',
  'manage:api-keys': "List, create, disable, delete and roll any user's API keys",
} as const;

export type ManagementScope = keyof typeof MANAGEMENT_SCOPES;

export function isManagementScope(value: string): value is ManagementScope {
  return Object.prototype.hasOwnProperty.call(MANAGEMENT_SCOPES, value);
}

/**
 * RFC 6749 §3.3: scope is a space-delimited list of case-sensitive strings (NQCHAR only).
 * Returns the de-duplicated list, or undefined when the syntax is broken.
 */
export function parseScope(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return [];
  if (raw.length > 1000 || !/^[\x21\x23-\x5B\x5D-\x7E ]*$/.test(raw)) return undefined;
  return [...new Set(raw.split(' ').filter(Boolean))];
}

export function formatScope(scopes: Iterable<string>): string {
  return [...scopes].join(' ');
}
