import { InvalidAuthorizationRequest } from '../auth/auth.errors';
import type { AuthorizationCheckEnv, AuthorizationContext } from '../auth/authorize/authorization-request';
import { checkResource } from '../auth/authorize/checks/check-resource';
import { parseResourceParam, resourceUriProblem } from './resource-indicator';
import type { ResourcesService, ResourceView } from './resources.service';

const MCP: ResourceView = {
  uri: 'https://mcp.example.com/mcp',
  name: 'MCP',
  scopes: ['read:projects'],
  builtIn: false,
};

function env(): AuthorizationCheckEnv {
  return {
    resources: {
      find: jest.fn((uri: string) => Promise.resolve(uri === MCP.uri ? MCP : null)),
    } as unknown as ResourcesService,
  } as unknown as AuthorizationCheckEnv;
}

async function run(params: Record<string, string>, scopes: string[]): Promise<AuthorizationContext> {
  const ctx: AuthorizationContext = { params, scopes };
  await checkResource(ctx, env());
  return ctx;
}

describe('resource indicators (RFC 8707)', () => {
  it('accepts absolute http(s) URIs without fragment or user information', () => {
    expect(resourceUriProblem('https://mcp.example.com/mcp')).toBeNull();
    expect(resourceUriProblem('https://mcp.example.com/mcp#x')).toMatch(/fragment/);
    expect(resourceUriProblem('/relative')).toMatch(/absolute/);
    expect(resourceUriProblem('urn:example:thing')).toMatch(/http/);
    expect(resourceUriProblem('https://u:p@mcp.example.com/')).toMatch(/user/);
  });

  it('splits repeated resource parameters and refuses bad ones with invalid_target', () => {
    expect(parseResourceParam('https://a.example/x https://b.example/y https://a.example/x')).toEqual([
      'https://a.example/x',
      'https://b.example/y',
    ]);
    expect(parseResourceParam(undefined)).toEqual([]);
    expect(() => parseResourceParam('nope')).toThrow(expect.objectContaining({ code: 'invalid_target' }));
  });

  it('limits the default scopes to the resource, and refuses requested scopes outside it', async () => {
    expect((await run({ resource: MCP.uri }, ['read:user', 'read:projects'])).scopes).toEqual([
      'read:projects',
    ]);
    await expect(run({ resource: MCP.uri, scope: 'read:user' }, ['read:user'])).rejects.toEqual(
      expect.objectContaining({ code: 'invalid_scope' }),
    );
    await expect(run({ resource: 'https://unknown.example/' }, ['read:user'])).rejects.toBeInstanceOf(
      InvalidAuthorizationRequest,
    );
  });

  it('never narrows or refuses the OpenID Connect scopes for a resource', async () => {
    const ctx = await run({ resource: MCP.uri, scope: 'openid read:projects offline_access' }, [
      'openid',
      'read:projects',
      'offline_access',
    ]);
    expect(ctx.scopes).toEqual(['openid', 'read:projects', 'offline_access']);
    expect((await run({ resource: MCP.uri }, ['openid', 'read:user', 'read:projects'])).scopes).toEqual([
      'openid',
      'read:projects',
    ]);
    await expect(run({ resource: MCP.uri }, ['openid', 'read:user'])).rejects.toEqual(
      expect.objectContaining({ code: 'invalid_scope' }),
    );
  });
});
