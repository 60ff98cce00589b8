import { PlaygroundFlows } from '../../src/playground/playground-flows';
import { createClient } from '../factories/clients';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { Browser } from '../support/browser';
import { authorizeInBrowser, basic, tokenRequest } from '../support/oauth';

function unescape(value: string): string {
  return value
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

describe('console playground: the printed authorize URL lands and the code exchanges', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp();
  });

  afterAll(() => t?.close());

  it('authorize (PKCE from the banner) → login → consent → playground shows code and curl → tokens', async () => {
    const user = await createUser(t.app);
    const redirectUri = `${t.url}/console/playground`;
    const { clientId, clientSecret } = await createClient(t.app, {
      redirectUris: [redirectUri],
      ownerId: user.id,
    });
    // What the start banner does for the demo app.
    const { state, codeChallenge } = t.app.get(PlaygroundFlows).start(clientId, redirectUri);

    const browser = new Browser(t.url);
    const q = await authorizeInBrowser(
      t.url,
      user,
      {
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        scope: 'read:user',
        state,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
      },
      { browser },
    );
    const code = q.get('code')!;
    expect(q.get('state')).toBe(state);

    const page = await browser.get(`/console/playground?${q.toString()}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toContain(code);
    expect(page.text).toContain(t.url); // iss
    const curl = /<pre><code>([\s\S]*?)<\/code><\/pre>/.exec(page.text)?.[1];
    expect(curl).toContain('/oauth2/token');
    const verifier = /code_verifier=(\S+)/.exec(unescape(curl!))?.[1];
    expect(verifier).toBeDefined();

    const tokens = await tokenRequest(
      t.url,
      { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier! },
      { authorization: basic(clientId, clientSecret!) },
    );
    expect(tokens.status).toBe(200);
    expect(tokens.json).toMatchObject({ access_token: expect.any(String), token_type: 'bearer' });
  });

  it('shows no exchange for an app the signed-in developer does not own', async () => {
    const owner = await createUser(t.app);
    const other = await createUser(t.app);
    const redirectUri = `${t.url}/console/playground`;
    const { clientId } = await createClient(t.app, { redirectUris: [redirectUri], ownerId: owner.id });
    const { state } = t.app.get(PlaygroundFlows).start(clientId, redirectUri);
    const browser = new Browser(t.url);
    // Sign in as the other developer through the console's own sign-in redirect.
    const login = await browser.get('/auth/login');
    const signedIn = await browser.submit(login, { email: other.email, password: other.password });
    expect(signedIn.status).toBe(303);
    const page = await browser.get(`/console/playground?code=abc&state=${state}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('abc');
    expect(page.text).not.toContain('code_verifier');
    expect(page.text).toContain('not yours');
  });

  it('needs the console session: signed out, it redirects to sign-in', async () => {
    const res = await new Browser(t.url).get('/console/playground?code=x&state=y');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain('/auth/login');
  });
});
