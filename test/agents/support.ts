import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { type RunningMcpServer, startMcpServer } from '../../examples/mcp-server/server';
import { TOKEN_EXCHANGE } from '../../src/clients/clients.service';
import { ResourcesService } from '../../src/resources/resources.service';
import { createClient } from '../factories/clients';

/** Where the MCP hosts in these tests say they receive the authorization response (never called). */
export const AGENT_REDIRECT = 'http://127.0.0.1:6274/oauth/callback';

/**
 * The sample MCP server (examples/mcp-server) behind iiniit at `issuer`: its own confidential client
 * allowed token exchange, and a registered resource (RFC 8707) for its URL with `read:projects`.
 * `app` is an application on the same database, to create the rows.
 */
export async function startSampleMcp(app: NestFastifyApplication, issuer: string): Promise<RunningMcpServer> {
  const server = await createClient(app, {
    name: 'Sample MCP server',
    grantTypes: [TOKEN_EXCHANGE],
    redirectUris: [],
    scopes: ['read:projects'],
  });
  const mcp = await startMcpServer({ issuer, clientId: server.clientId, clientSecret: server.clientSecret! });
  await app
    .get(ResourcesService)
    .create({ uri: mcp.url, name: 'Projects (MCP)', scopes: ['read:projects'], clientId: server.clientId });
  return mcp;
}

/** An agent's Client ID Metadata Document: a public client that uses code + PKCE and refresh tokens. */
export function agentMetadataDocument(clientId: string, clientName: string): Record<string, unknown> {
  return {
    client_id: clientId,
    client_name: clientName,
    redirect_uris: [AGENT_REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
}

/** Connects the official SDK client with `provider`, calls the sample server's tool, returns its text. */
export async function callListMyProjects(mcpUrl: string, provider: OAuthClientProvider): Promise<string> {
  const client = new Client({ name: 'iiniit-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
  try {
    const tools = await client.listTools();
    const names = tools.tools.map((tool) => tool.name);
    if (names.join() !== 'list_my_projects') throw new Error(`unexpected tools: ${JSON.stringify(names)}`);
    const result = await client.callTool({ name: 'list_my_projects', arguments: {} });
    return (result.content as { type: string; text: string }[]).map((c) => c.text).join('\n');
  } finally {
    await client.close();
  }
}
