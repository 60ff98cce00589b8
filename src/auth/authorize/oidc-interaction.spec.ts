import type { ActiveSession } from '../../sessions/sessions.service';
import type { IdTokenHint, IdTokenService } from '../../tokens/oidc/id-token.service';
import { OidcInteraction } from './oidc-interaction';
import { checkOidcParameters, type OidcRequest } from './oidc-request';

const NOW = new Date('2030-01-01T12:00:00Z');

function session(ageSeconds = 60, userId = 'u1'): ActiveSession {
  return {
    idHash: 'h',
    userId,
    token: 't',
    authTime: new Date(NOW.getTime() - ageSeconds * 1000),
    amr: ['pwd'],
    sid: 's',
  };
}

function interaction(hint?: IdTokenHint) {
  const idTokens = { readHint: jest.fn().mockReturnValue(hint) } as unknown as IdTokenService;
  return new OidcInteraction(idTokens);
}

async function next(
  params: Record<string, string>,
  current: ActiveSession | null,
  options: { consent?: boolean; hint?: IdTokenHint } = {},
) {
  const oidc = checkOidcParameters(params, ['openid']) as OidcRequest;
  return interaction(options.hint).next({
    params: { scope: 'openid', ...params },
    oidc,
    clientId: 'c1',
    session: current,
    needsConsent: () => Promise.resolve(options.consent ?? false),
    now: NOW,
  });
}

describe('OIDC interaction (prompt, max_age, id_token_hint)', () => {
  it('no session: login, or login_required with prompt=none', async () => {
    expect(await next({}, null)).toMatchObject({ step: 'login' });
    expect(await next({ prompt: 'none' }, null)).toMatchObject({ step: 'error', error: 'login_required' });
  });

  it('a session with remembered consent: approve; not remembered: consent, or consent_required', async () => {
    expect(await next({}, session())).toEqual({ step: 'approve' });
    expect(await next({}, session(), { consent: true })).toEqual({ step: 'consent' });
    expect(await next({ prompt: 'none' }, session(), { consent: true })).toMatchObject({
      error: 'consent_required',
    });
    expect(await next({ prompt: 'consent' }, session())).toEqual({ step: 'consent' });
  });

  it('prompt=login and a session older than max_age sign in again, without them on the way back', async () => {
    expect(await next({ prompt: 'login' }, session())).toEqual({
      step: 'login',
      params: { scope: 'openid' },
    });
    expect(await next({ max_age: '30' }, session(60))).toMatchObject({ step: 'login' });
    expect(await next({ max_age: '120' }, session(60))).toEqual({ step: 'approve' });
    expect(await next({ max_age: '30', prompt: 'none' }, session(60))).toMatchObject({
      error: 'login_required',
    });
  });

  it('login_hint travels to the login page', async () => {
    expect(await next({ login_hint: 'a@b.test' }, null)).toMatchObject({ loginHint: 'a@b.test' });
  });

  it('id_token_hint: another user → login_required; a hint of another client or a bad one → invalid_request', async () => {
    const other = { sub: 'u2', clientId: 'c1' };
    expect(await next({ prompt: 'none', id_token_hint: 'x' }, session(), { hint: other })).toMatchObject({
      error: 'login_required',
    });
    expect(
      await next({ prompt: 'none', id_token_hint: 'x' }, session(), { hint: { sub: 'u1', clientId: 'c1' } }),
    ).toEqual({ step: 'approve' });
    expect(
      await next({ id_token_hint: 'x' }, session(), { hint: { sub: 'u1', clientId: 'c2' } }),
    ).toMatchObject({ error: 'invalid_request' });
    expect(await next({ id_token_hint: 'x' }, session())).toMatchObject({ error: 'invalid_request' });
  });
});
