import { createHash } from 'node:crypto';

import type { ClientView } from '../clients/clients.service';
import { apiKeyCurl, appSnippets, firstCallPath, shellQuote } from './snippets';

const app: ClientView = {
  id: '4f8a1c2e-0b1d-4c55-9a7e-2f3b4c5d6e7f',
  clientId: 'iic_abc',
  name: 'Demo',
  type: 'confidential',
  redirectUris: ['https://app.example.com/callback?x=1&y=2', 'https://second.example/cb'],
  grantTypes: ['authorization_code', 'refresh_token'],
  scopes: ['read:user', 'read:projects'],
  postLogoutRedirectUris: [],
  idTokenSignedResponseAlg: 'ES256',
  ownerId: null,
  createdAt: new Date(),
  updatedAt: new Date(),
};

describe('appSnippets', () => {
  it('builds an authorize URL for the first redirect URI with all scopes, state and S256 PKCE', () => {
    const s = appSnippets('https://id.example', app)!;
    const url = new URL(s.authorizeUrl);
    expect(`${url.origin}${url.pathname}`).toBe('https://id.example/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'iic_abc',
      redirect_uri: 'https://app.example.com/callback?x=1&y=2',
      scope: 'read:user read:projects',
      state: s.state,
      code_challenge: createHash('sha256').update(s.codeVerifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    expect(s.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.authorizeUrl).toContain('redirect_uri=https://app.example.com/callback%3Fx%3D1%26y%3D2');
  });

  it('writes a client_secret_basic token request for confidential apps, the secret as a variable', () => {
    const s = appSnippets('https://id.example', app)!;
    expect(s.tokenRequest).toContain(`-u "iic_abc:$CLIENT_SECRET"`);
    expect(s.tokenRequest).toContain(
      `--data-urlencode redirect_uri='https://app.example.com/callback?x=1&y=2'`,
    );
    expect(s.tokenRequest).toContain(`-d code_verifier=${s.codeVerifier}`);
  });

  it('sends client_id in the body for public apps, and nothing without a redirect URI', () => {
    const s = appSnippets('https://id.example', { ...app, type: 'public' })!;
    expect(s.tokenRequest).not.toContain('-u ');
    expect(s.tokenRequest).toContain('-d client_id=iic_abc');
    expect(appSnippets('https://id.example', { ...app, redirectUris: [] })).toBeNull();
  });

  it('mints a fresh PKCE pair and state per view', () => {
    expect(appSnippets('https://x', app)!.codeVerifier).not.toBe(appSnippets('https://x', app)!.codeVerifier);
  });
});

describe('shell snippets', () => {
  it('quotes for a POSIX shell only when needed', () => {
    expect(shellQuote('https://a.example/cb')).toBe('https://a.example/cb');
    expect(shellQuote("https://a.example/cb?a=1&b='x'")).toBe(`'https://a.example/cb?a=1&b='\\''x'\\'''`);
  });

  it('calls the resource the key can read, with the key or a placeholder', () => {
    expect(firstCallPath(['read:user', 'read:projects'])).toBe('/v1/projects');
    expect(firstCallPath(['read:user'])).toBe('/v1/user');
    const key = { prefix: 'iik_test_AbCd', scopes: ['read:user'] };
    expect(apiKeyCurl('https://id.example', key, 'iik_test_secret').split('\n')).toEqual([
      'export IINIIT_API_KEY=iik_test_secret',
      'curl -s https://id.example/v1/user \\',
      '  -H "X-API-Key: $IINIIT_API_KEY"',
    ]);
    expect(apiKeyCurl('https://id.example', key)).toContain(`'iik_test_AbCd…'  # paste the whole key here`);
  });
});
