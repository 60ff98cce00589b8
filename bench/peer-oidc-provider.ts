/**
 * Scenario 7, the peer: node-oidc-provider 9 (what a Node user would pick instead), configured for
 * client_credentials with its default in-memory adapter and one client using client_secret_basic.
 * It is ESM-only, hence the dynamic import() from this CommonJS script.
 *
 * PEER_TOKEN_FORMAT=opaque (default): its out-of-the-box token, a random string saved to the memory adapter.
 * PEER_TOKEN_FORMAT=jwt: a resource indicator makes it sign ES256 JWT access tokens, the same work our
 * server does per request.
 */
import { generateKeyPairSync } from 'node:crypto';

async function main(): Promise<void> {
  const port = Number(process.env.PORT);
  const clientId = process.env.PEER_CLIENT_ID ?? 'bench-peer';
  const clientSecret = process.env.PEER_CLIENT_SECRET ?? 'bench-peer-secret-0123456789abcdefghijklmnop';
  const jwt = process.env.PEER_TOKEN_FORMAT === 'jwt';
  const { default: Provider } = await import('oidc-provider');

  const resource = 'urn:iiniit:bench';
  const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [{ ...signingKey, alg: 'ES256', use: 'sig', kid: 'bench' }] },
    ttl: { ClientCredentials: 3600 },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      ...(jwt
        ? {
            resourceIndicators: {
              enabled: true,
              defaultResource: () => resource,
              useGrantedResource: () => true,
              getResourceServerInfo: () => ({
                scope: '',
                audience: resource,
                accessTokenTTL: 3600,
                accessTokenFormat: 'jwt',
                jwt: { sign: { alg: 'ES256' } },
              }),
            },
          }
        : {}),
    },
  });
  provider.on('server_error', (_ctx, error) => console.error('peer server_error', error));
  provider.listen(port, '127.0.0.1', () => process.send?.({ port }));
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
