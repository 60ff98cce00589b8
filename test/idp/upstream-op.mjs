// A real OpenID provider (node-oidc-provider, ESM) for the upstream sign-in tests, run as its own Node
// process on its own port: Jest compiles to CommonJS and cannot load oidc-provider's ESM graph.
//
// argv[2]: JSON { port, clients: [...] }. Prints "ready" once listening.
// Test controls (JSON POST bodies):
//   /_test/next    { sub, email, email_verified, name, amr?, deny? }  who the next interaction signs in
//   /_test/tamper  { aud?, nonce? } | {}                              re-sign the next id_tokens with these claims
import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';
import { SignJWT } from 'jose';

const { port, clients } = JSON.parse(process.argv[2]);
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'upstream-1', alg: 'RS256', use: 'sig' };

let next = { sub: 'upstream-user', email: 'someone@example.com', email_verified: true, name: 'Someone' };
let tamper = null;
const accounts = new Map();

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [jwk] },
  cookies: { keys: ['upstream-test-cookie-key'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: false } },
  findAccount: async (_ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, ...(accounts.get(id) ?? {}) }),
  }),
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
});

function readJson(req) {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => resolve(body ? JSON.parse(body) : {}));
  });
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (next.deny) {
    return provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    });
  }
  const { sub, deny: _deny, amr, ...claims } = next;
  accounts.set(sub, claims);
  const grant = new provider.Grant({ accountId: sub, clientId: details.params.client_id });
  grant.addOIDCScope(String(details.params.scope));
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, {
    login: { accountId: sub, ...(amr ? { amr } : {}) },
    consent: { grantId },
  });
}

/** Re-signs the token response's id_token with the provider's own key, after changing some claims. */
function tamperTokenResponse(res) {
  const end = res.end.bind(res);
  const chunks = [];
  const write = res.write.bind(res);
  res.write = (chunk) => {
    chunks.push(Buffer.from(chunk));
    return true;
  };
  res.end = (chunk, ...rest) => {
    if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk));
    const text = Buffer.concat(chunks).toString('utf8');
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      write(text);
      return end();
    }
    if (!body.id_token) return end(text);
    const [h, p] = body.id_token.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const payload = { ...JSON.parse(Buffer.from(p, 'base64url').toString()), ...tamper };
    new SignJWT(payload)
      .setProtectedHeader(header)
      .sign(privateKey)
      .then((idToken) => {
        const out = JSON.stringify({ ...body, id_token: idToken });
        res.setHeader('content-length', Buffer.byteLength(out));
        end(out);
      });
    return res;
  };
}

const callback = provider.callback();
const server = createServer(async (req, res) => {
  try {
    if (req.method === 'POST' && req.url === '/_test/next') {
      next = await readJson(req);
      return res.end('{}');
    }
    if (req.method === 'POST' && req.url === '/_test/tamper') {
      const t = await readJson(req);
      tamper = Object.keys(t).length ? t : null;
      return res.end('{}');
    }
    if (req.method === 'GET' && req.url.startsWith('/interaction/')) return await interaction(req, res);
    if (req.method === 'POST' && req.url.startsWith('/token') && tamper) tamperTokenResponse(res);
    return callback(req, res);
  } catch (error) {
    res.statusCode = 500;
    res.end(String(error));
  }
});
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
