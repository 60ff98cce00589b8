/**
 * What `--type` fills in. OpenID providers are discovered from their issuer (OIDC Discovery 1.0 §4);
 * GitHub speaks plain OAuth 2.0, so its three endpoints are named. `--authorization-url`, `--token-url`
 * and `--userinfo-url` override any of them (GitHub Enterprise, self-hosted GitLab).
 */
export interface ProviderPreset {
  /** Whether the provider is an OpenID provider: discovery, id_token, nonce. */
  oidc: boolean;
  name: string;
  issuer?: string;
  scope: string;
  authorizationUrl?: string;
  tokenUrl?: string;
  userinfoUrl?: string;
}

export const PRESETS: Record<string, ProviderPreset> = {
  oidc: { oidc: true, name: 'OpenID provider', scope: 'openid email profile' },
  github: {
    oidc: false,
    name: 'GitHub',
    scope: 'read:user user:email',
    authorizationUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    userinfoUrl: 'https://api.github.com/user',
  },
  google: {
    oidc: true,
    name: 'Google',
    issuer: 'https://accounts.google.com',
    scope: 'openid email profile',
  },
  gitlab: { oidc: true, name: 'GitLab', issuer: 'https://gitlab.com', scope: 'openid email profile' },
  // The multi-tenant endpoint: its id_tokens carry the user's tenant in `iss` (see upstream-strategy.ts).
  microsoft: {
    oidc: true,
    name: 'Microsoft',
    issuer: 'https://login.microsoftonline.com/common/v2.0',
    scope: 'openid email profile',
  },
};

export const PROVIDER_TYPES = Object.keys(PRESETS);
