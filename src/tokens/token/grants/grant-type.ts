import type { AuthenticatedClient } from '../../../clients/client.strategy';
import type { GrantType } from '../../../clients/clients.service';
import type { RequestMeta } from '../../../platform/http/request-meta';

/** A token request after client authentication: single-valued parameters only. */
export interface TokenRequest extends AuthenticatedClient {
  params: Record<string, string>;
  meta: RequestMeta;
}

/** RFC 6749 §5.1, in the exact shape the published API doc shows. */
export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token?: string;
  scope: string;
  /** OIDC Core §3.1.3.3: present whenever the `openid` scope was granted. */
  id_token?: string;
}

/**
 * One file per grant (like node-oidc-provider's lib/actions/grants/): the token endpoint looks the
 * handler up by `grantType` and never grows a switch.
 */
export interface GrantTypeHandler {
  readonly grantType: GrantType;
  handle(request: TokenRequest): Promise<TokenResponse>;
}

export const GRANT_TYPE_HANDLERS = Symbol('GRANT_TYPE_HANDLERS');
