import { createApiKey, withKey } from '../factories/api-keys';
import { createProject } from '../factories/projects';
import { type SignedIn, signInAs } from '../factories/sessions';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { http } from '../support/http';

/**
 * A few kilobytes of deeply nested JSON must not reach the recursive DTO transformation and validation
 * (a stack overflow there was a 500 on every JSON route): the body parser refuses it as `invalid_request`.
 */
const DEPTH = 3000;
const deepArray = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
const deepObject = '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH);
const deepInField = `{"name":${'{"x":['.repeat(DEPTH / 2)}1${']}'.repeat(DEPTH / 2)}}`;

describe('deeply nested JSON bodies', () => {
  let t: TestApp;
  let key: string;
  let session: SignedIn;
  let projectId: string;

  beforeAll(async () => {
    t = await bootApp();
    const user = await createUser(t.app);
    key = (await createApiKey(t.app, user.id)).key;
    session = await signInAs(t.app, user.id);
    projectId = (await createProject(t.app, user.id)).id;
  });
  afterAll(() => t.close());

  const send = (method: string, path: string, headers: Record<string, string>, body: string) =>
    http(`${t.url}${path}`, {
      method,
      body,
      headers: { ...headers, 'content-type': 'application/json' },
    });

  it.each([
    ['an array', deepArray],
    ['an object', deepObject],
    ['a field value', deepInField],
  ])('POST /v1/projects with %s nested 3000 deep: 400 invalid_request, not a 500', async (_what, body) => {
    expect(body.length).toBeLessThan(20_000);
    const res = await send('POST', '/v1/projects', withKey(key), body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.json).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(/nest/) });
  });

  it.each([
    ['POST', '/v1/clients'],
    ['POST', '/v1/api-keys'],
  ])('%s %s (session) refuses deep nesting with 400', async (method, path) => {
    for (const body of [deepArray, deepObject, deepInField]) {
      const res = await send(method, path, session.headers, body);
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('invalid_request');
    }
  });

  it('PATCH /v1/projects/:id and the token endpoint refuse it too; the app keeps serving', async () => {
    const patched = await send('PATCH', `/v1/projects/${projectId}`, withKey(key), deepObject);
    expect(patched.status).toBe(400);
    expect(patched.json.error).toBe('invalid_request');
    const token = await send('POST', '/oauth2/token', {}, deepObject);
    expect(token.status).toBe(400);
    expect(token.json.error).toBe('invalid_request');
    const ok = await http(`${t.url}/v1/projects/${projectId}`, { headers: withKey(key) });
    expect(ok.status).toBe(200);
  });

  it('ordinary nesting (a few levels, strings full of brackets) still works', async () => {
    const res = await http(`${t.url}/v1/projects`, {
      method: 'POST',
      headers: withKey(key),
      body: { name: `brackets ${'[{'.repeat(40)}`, description: '"}]\\'.repeat(200) },
    });
    expect(res.status).toBe(201);
    expect(res.json.name).toBe(`brackets ${'[{'.repeat(40)}`);
  });
});
