import type { ClientView } from '../../clients/clients.service';
import type { SigningAlg } from '../keys/key-crypto';
import { OFFLINE_ACCESS_SCOPE, OPENID_SCOPE } from '../scopes';
import type { AuthContext } from './auth-context';

/**
 * Who gets a refresh token from the code grant. Confidential clients: as before, whenever they may use
 * the refresh_token grant. Public clients (a browser or device holds the token, with no secret to bind it
 * to): only when the user granted `offline_access` (OIDC Core §11), so a refresh token that outlives the
 * visit is something the user agreed to on the consent page.
 */
export function mayReceiveRefreshToken(client: ClientView, grantedScopes: readonly string[]): boolean {
  if (!client.grantTypes.includes('refresh_token')) return false;
  return client.type === 'confidential' || grantedScopes.includes(OFFLINE_ACCESS_SCOPE);
}

/** The id_token part of a token response, when `openid` is among the scopes of the access token. */
export function idTokenFor(
  client: ClientView,
  scopes: readonly string[],
  context: { nonce?: string; auth?: AuthContext },
): { alg: SigningAlg; nonce?: string; auth?: AuthContext } | undefined {
  if (!scopes.includes(OPENID_SCOPE)) return undefined;
  return { alg: client.idTokenSignedResponseAlg, ...context };
}
