import { afterReauthentication, checkOidcParameters, isOidcRequestError } from './oidc-request';

describe('OpenID Connect authorization request parameters', () => {
  it('reads nonce, prompt, max_age and the hints; openid only with the openid scope', () => {
    const parsed = checkOidcParameters(
      { nonce: 'n1', prompt: 'login consent', max_age: '300', login_hint: 'a@b.test', id_token_hint: 'x' },
      ['openid', 'profile'],
    );
    expect(isOidcRequestError(parsed)).toBe(false);
    expect(parsed).toEqual({
      openid: true,
      nonce: 'n1',
      prompt: new Set(['login', 'consent']),
      maxAge: 300,
      loginHint: 'a@b.test',
      idTokenHint: 'x',
    });
    expect(checkOidcParameters({}, ['read:user'])).toEqual({ openid: false, prompt: new Set() });
  });

  it.each([
    [{ request: 'jwt' }, 'request_not_supported'],
    [{ request_uri: 'urn:x' }, 'request_uri_not_supported'],
    [{ claims: '{}' }, 'invalid_request'],
    [{ prompt: 'none consent' }, 'invalid_request'],
    [{ prompt: 'select_account' }, 'invalid_request'],
    [{ max_age: '-1' }, 'invalid_request'],
    [{ max_age: '1e3' }, 'invalid_request'],
    [{ nonce: 'n'.repeat(513) }, 'invalid_request'],
  ])('refuses %j with %s', (params, error) => {
    expect(checkOidcParameters(params, ['openid'])).toMatchObject({ error });
  });

  it('ignores an oversized login_hint rather than failing the sign-in', () => {
    expect(checkOidcParameters({ login_hint: 'x'.repeat(300) }, ['openid'])).not.toHaveProperty('loginHint');
  });

  it('after re-authentication the request drops prompt=login and max_age, and keeps the rest', () => {
    expect(
      afterReauthentication({ scope: 'openid', prompt: 'login consent', max_age: '0', nonce: 'n' }),
    ).toEqual({ scope: 'openid', prompt: 'consent', nonce: 'n' });
    expect(afterReauthentication({ scope: 'openid', prompt: 'login' })).toEqual({ scope: 'openid' });
  });
});
