import { InvalidScope, UnauthorizedClient } from '../../../platform/errors/oauth-errors';
import type { ResourcesService } from '../../../resources/resources.service';
import type { TokenIssuer } from '../token-issuer.service';
import { ClientCredentialsGrant } from './client-credentials.grant';
import { API, builtInResource, clientView, tokenRequest } from './grant.fixtures';

const service = clientView({
  clientId: 'svc',
  name: 'Service',
  redirectUris: [],
  grantTypes: ['client_credentials'],
  scopes: ['manage:clients', 'read:projects'],
});

function setup() {
  const issuer = { issue: jest.fn(async () => ({ access_token: 'at' })) };
  // The built-in resource (ISSUER/v1) accepts every scope; resource indicators have their own e2e tests.
  const resources = builtInResource();
  const grant = new ClientCredentialsGrant(
    issuer as unknown as TokenIssuer,
    resources as unknown as ResourcesService,
  );
  const request = (params: Record<string, string>, client = service) => tokenRequest(params, client);
  return { grant, issuer, request };
}

describe('ClientCredentialsGrant (RFC 6749 §4.4)', () => {
  it('issues a token for the client itself with the scope it asked for, and no refresh token', async () => {
    const { grant, issuer, request } = setup();
    await expect(grant.handle(request({ scope: 'read:projects' }))).resolves.toEqual({ access_token: 'at' });
    expect(issuer.issue).toHaveBeenCalledWith({
      grantType: 'client_credentials',
      meta: { ip: '203.0.113.9' },
      subject: 'svc',
      clientId: 'svc',
      scopes: ['read:projects'],
      audience: API,
    });
    const [input] = issuer.issue.mock.calls[0] as unknown as [Record<string, unknown>];
    expect(input.userId).toBeUndefined();
    expect(input.refresh).toBeUndefined();
  });

  it("defaults to the client's registered scopes when none is asked for (RFC 6749 §3.3)", async () => {
    const { grant, issuer, request } = setup();
    await grant.handle(request({}));
    expect(issuer.issue).toHaveBeenCalledWith(
      expect.objectContaining({ scopes: ['manage:clients', 'read:projects'] }),
    );
  });

  it('refuses a public client', async () => {
    const { grant, issuer, request } = setup();
    await expect(grant.handle(request({}, { ...service, type: 'public' }))).rejects.toBeInstanceOf(
      UnauthorizedClient,
    );
    expect(issuer.issue).not.toHaveBeenCalled();
  });

  it('refuses a scope beyond what the client is registered for', async () => {
    const { grant, issuer, request } = setup();
    const error = await grant
      .handle(request({ scope: 'read:projects write:projects' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidScope);
    expect((error as InvalidScope).description).toContain('write:projects');
    expect(issuer.issue).not.toHaveBeenCalled();
  });

  it('refuses a malformed scope', async () => {
    const { grant, request } = setup();
    await expect(grant.handle(request({ scope: 'read:"user"' }))).rejects.toBeInstanceOf(InvalidScope);
  });
});
