/**
 * A sample MCP server protected by iiniit, as the MCP authorization spec describes it:
 *
 * - Streamable HTTP at `<base>/mcp` (official TypeScript SDK), one tool: `list_my_projects`.
 * - Its own protected-resource metadata (RFC 9728) naming iiniit as the authorization server, and a 401
 *   `WWW-Authenticate: Bearer resource_metadata="…"` (RFC 9728 §5.1) so MCP clients discover iiniit.
 * - Access tokens validated offline against iiniit's JWKS: signature, issuer, `typ: at+jwt`, and
 *   `aud` = this server's URL exactly (RFC 8707, RFC 9068 §4) — a token for the iiniit API is refused.
 * - The tool calls the iiniit API without passing the user's token through (the MCP spec forbids it): it
 *   exchanges it (RFC 8693), authenticated as this server's own client, for a `/v1` token.
 *
 * Run: `npx ts-node examples/mcp-server/server.ts` with ISSUER, MCP_CLIENT_ID, MCP_CLIENT_SECRET (see README).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';

export interface McpServerOptions {
  /** iiniit's issuer URL, e.g. http://localhost:3000 */
  issuer: string;
  /** This server's confidential client at iiniit (grant type token-exchange). */
  clientId: string;
  clientSecret: string;
  port?: number;
  host?: string;
  /** Public base URL of this server (default http://host:port). */
  baseUrl?: string;
}

export interface RunningMcpServer {
  /** The MCP endpoint, which is also the resource (token audience): `<base>/mcp`. */
  url: string;
  close(): Promise<void>;
}

const SCOPE = 'read:projects';
const MAX_BODY = 1024 * 1024;

class Unauthorized extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly challenge: string,
  ) {
    super(challenge);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

export async function startMcpServer(options: McpServerOptions): Promise<RunningMcpServer> {
  const issuer = options.issuer.replace(/\/$/, '');
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  let base = options.baseUrl;
  let resource = '';
  let metadataUrl = '';

  /** RFC 9068 §4 validation; every failure is the same 401. */
  async function authenticate(req: IncomingMessage): Promise<AuthInfo> {
    const challenge = `Bearer resource_metadata="${metadataUrl}", scope="${SCOPE}"`;
    const header = req.headers.authorization ?? '';
    const token = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header)?.[1];
    if (!token) throw new Unauthorized(401, challenge);
    let payload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer,
        audience: resource,
        typ: 'at+jwt',
        algorithms: ['ES256', 'RS256'],
      }));
    } catch {
      throw new Unauthorized(401, `${challenge}, error="invalid_token"`);
    }
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    // MCP scope challenge: name the scope so the client can step up.
    if (!scopes.includes(SCOPE)) {
      throw new Unauthorized(
        403,
        `Bearer error="insufficient_scope", scope="${SCOPE}", resource_metadata="${metadataUrl}"`,
      );
    }
    return {
      token,
      clientId: typeof payload.client_id === 'string' ? payload.client_id : '',
      scopes,
      expiresAt: payload.exp,
      resource: new URL(resource),
    };
  }

  /** RFC 8693: the user's token for this server, exchanged for one for the iiniit API. */
  async function apiToken(subjectToken: string): Promise<string> {
    const res = await fetch(`${issuer}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: subjectToken,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        resource: `${issuer}/v1`,
        scope: SCOPE,
      }),
    });
    const body = (await res.json()) as { access_token?: string; error?: string };
    if (!res.ok || !body.access_token) throw new Error(`token exchange failed: ${body.error ?? res.status}`);
    return body.access_token;
  }

  function mcpServer(): McpServer {
    const server = new McpServer({ name: 'iiniit-projects', version: '1.0.0' });
    server.registerTool(
      'list_my_projects',
      { title: 'List my projects', description: 'Lists the projects of the signed-in iiniit user.' },
      async (extra) => {
        const token = await apiToken(extra.authInfo!.token);
        const res = await fetch(`${issuer}/v1/projects`, { headers: { authorization: `Bearer ${token}` } });
        if (!res.ok) {
          return { isError: true, content: [{ type: 'text', text: `iiniit API answered ${res.status}` }] };
        }
        const { data } = (await res.json()) as { data: { id: string; name: string }[] };
        const text = data.length
          ? data.map((p) => `- ${p.name} (${p.id})`).join('\n')
          : 'You have no projects yet.';
        return { content: [{ type: 'text', text }] };
      },
    );
    return server;
  }

  const protectedResource = () => ({
    resource,
    authorization_servers: [issuer],
    scopes_supported: [SCOPE],
    bearer_methods_supported: ['header'],
    resource_name: 'iiniit projects (sample MCP server)',
  });

  const http: Server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      // RFC 9728 §3.1: the path-suffixed well-known URI, and the root one for older clients.
      if (
        req.method === 'GET' &&
        (path === '/.well-known/oauth-protected-resource/mcp' ||
          path === '/.well-known/oauth-protected-resource')
      ) {
        return json(res, 200, protectedResource());
      }
      if (path !== '/mcp') return json(res, 404, { error: 'not_found' });
      let auth: AuthInfo;
      try {
        auth = await authenticate(req);
      } catch (error) {
        if (!(error instanceof Unauthorized)) throw error;
        return json(
          res,
          error.status,
          { error: error.status === 401 ? 'invalid_token' : 'insufficient_scope' },
          {
            'www-authenticate': error.challenge,
          },
        );
      }
      // Stateless Streamable HTTP: GET (server-initiated stream) and DELETE (session end) do not apply.
      if (req.method !== 'POST') return json(res, 405, { error: 'method_not_allowed' }, { allow: 'POST' });
      const body = await readJson(req);
      const server = mcpServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      (req as IncomingMessage & { auth?: AuthInfo }).auth = auth;
      await transport.handleRequest(req, res, body);
    })().catch(() => {
      if (!res.headersSent) json(res, 500, { error: 'server_error' });
    });
  });

  await new Promise<void>((resolve) => http.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  base = (base ?? `http://${options.host ?? '127.0.0.1'}:${port}`).replace(/\/$/, '');
  resource = `${base}/mcp`;
  metadataUrl = `${base}/.well-known/oauth-protected-resource/mcp`;
  return {
    url: resource,
    close: () =>
      new Promise((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

if (require.main === module) {
  const env = process.env;
  const missing = ['ISSUER', 'MCP_CLIENT_ID', 'MCP_CLIENT_SECRET'].filter((n) => !env[n]);
  if (missing.length) {
    process.stderr.write(`set ${missing.join(', ')} (see the README, "AI agents (MCP)")\n`);
    process.exit(1);
  }
  startMcpServer({
    issuer: env.ISSUER!,
    clientId: env.MCP_CLIENT_ID!,
    clientSecret: env.MCP_CLIENT_SECRET!,
    port: Number(env.MCP_PORT ?? 3001),
    host: env.MCP_HOST ?? '127.0.0.1',
    baseUrl: env.MCP_BASE_URL,
  }).then(
    (s) => process.stdout.write(`MCP server at ${s.url}\n`),
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exit(1);
    },
  );
}
