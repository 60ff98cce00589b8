/**
 * Limit `cc` (ceiling-cc): the least work a client_credentials token endpoint can do on this machine, in its
 * own process like the app. Bare Fastify, no storage: a form body, the grant type checked, the client
 * authenticated, an RFC 9068 JWT access token signed ES256 and the RFC 6749 §5.1 answer. Everything the app
 * does beyond this (the client lookup and its cache, rate limiting, audit, metrics, Nest's pipeline) is what
 * scenario 4's ratio to this limit measures.
 *
 * CC_CLIENT_ID, CC_CLIENT_SECRET: the seeded client, so the load carries the very Basic header of scenario 4;
 * CC_SCOPES: the scopes it may ask for. Reports its port over IPC and exits when the benchmark goes away.
 */
import {
  createHash,
  createHmac,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
  timingSafeEqual,
} from 'node:crypto';
import { parse } from 'node:querystring';

import Fastify, { type FastifyReply } from 'fastify';

const TOKEN_TTL = 3600; // the app's ACCESS_TOKEN_TTL default (src/config/app-config.ts)

const clientId = process.env.CC_CLIENT_ID ?? 'bench-client';
const allowedScopes = (process.env.CC_SCOPES ?? '').split(' ').filter(Boolean);
// Only a keyed digest of the secret is kept, as a server would store it; the key lives in memory only.
const digestKey = randomBytes(32);
const digest = (secret: string): Buffer => createHmac('sha256', digestKey).update(secret).digest();
const storedDigest = digest(process.env.CC_CLIENT_SECRET ?? '');

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const { crv, x, y } = publicKey.export({ format: 'jwk' });
// RFC 7638 JWK thumbprint as the kid: the required members in lexicographic order.
const kid = createHash('sha256')
  .update(JSON.stringify({ crv, kty: 'EC', x, y }))
  .digest('base64url');
const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
// RFC 9068 §2.1: typ "at+jwt" tells an access token from an ID token.
const header = part({ alg: 'ES256', typ: 'at+jwt', kid });

/** RFC 6749 §2.3.1: id and secret are form-encoded before Base64, so `+` is a space. */
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function basicCredentials(authorization: string | undefined): { id: string; secret: string } | undefined {
  if (!authorization || !/^basic /i.test(authorization)) return undefined;
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  return id === undefined || secret === undefined ? undefined : { id, secret };
}

function oauthError(reply: FastifyReply, status: number, error: string): FastifyReply {
  // RFC 6749 §5.2: a failed client authentication over Basic answers 401 with a challenge.
  if (status === 401) reply.header('WWW-Authenticate', 'Basic realm="token"');
  return reply.status(status).header('Cache-Control', 'no-store').send({ error });
}

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parse(body as string));
  });
  let issuer = '';

  app.post('/token', async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string | string[] | undefined>;
    if (form.grant_type !== 'client_credentials') return oauthError(reply, 400, 'unsupported_grant_type');
    const client = basicCredentials(request.headers.authorization);
    // Always one HMAC and one constant-time compare, whether or not the id is known.
    const presented = digest(client?.secret ?? '');
    if (!client || !timingSafeEqual(presented, storedDigest) || client.id !== clientId) {
      return oauthError(reply, 401, 'invalid_client');
    }
    const asked = typeof form.scope === 'string' ? form.scope.split(' ').filter(Boolean) : allowedScopes;
    if (asked.some((s) => !allowedScopes.includes(s))) return oauthError(reply, 400, 'invalid_scope');
    const scope = asked.join(' ');
    const iat = Math.floor(Date.now() / 1000);
    // RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti; sub is the client itself for this grant.
    const payload = part({
      iss: issuer,
      sub: clientId,
      aud: issuer,
      client_id: clientId,
      iat,
      exp: iat + TOKEN_TTL,
      jti: randomUUID(),
      scope,
    });
    const input = `${header}.${payload}`;
    // JWS ES256 (RFC 7518 §3.4) is R || S, not DER.
    const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return reply.header('Cache-Control', 'no-store').send({
      access_token: `${input}.${signature.toString('base64url')}`,
      token_type: 'Bearer',
      expires_in: TOKEN_TTL,
      scope,
    });
  });

  const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
  issuer = address;
  process.send?.({ port: Number(new URL(address).port) });
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
