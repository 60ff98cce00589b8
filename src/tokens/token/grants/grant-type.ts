import type { AuthenticatedClient } from '../../../clients/client.strategy';
import type { GrantType } from '../../../clients/clients.service';
import type { RequestMeta } from '../../../platform/http/request-meta';

/** A token request after client authentication: single-valued parameters only. */
export interface TokenRequest extends AuthenticatedClient {
  params: Record<string, string>;
  meta: RequestMeta;
  /** RFC 9449 §5: the thumbprint of the key of a valid DPoP proof sent with the request. */
  dpopJkt?: string;
}

/** A token request that authenticates no client (RFC 8693 exchange of an API key by the key alone). */
export type ClientlessTokenRequest = Omit<TokenRequest, keyof AuthenticatedClient>;

/** RFC 6749 §5.1, in the exact shape the published API doc shows. */
export interface TokenResponse {
  access_token: string;
  /** RFC 9449 §5: `DPoP` when the access token is bound to a proof key. */
  token_type: 'bearer' | 'DPoP';
  expires_in: number;
  refresh_token?: string;
  scope: string;
  /** OIDC Core §3.1.3.3: present whenever the `openid` scope was granted. */
  id_token?: string;
  /** RFC 8693 §2.2.1: required in token-exchange responses. */
  issued_token_type?: string;
}

/**
 * One file per grant (like node-oidc-provider's lib/actions/grants/): the token endpoint looks the
 * handler up by `grantType` and never grows a switch.
 */
export interface GrantTypeHandler {
  readonly grantType: GrantType;
  handle(request: TokenRequest): Promise<TokenResponse>;
  /** A grant that can also be used without client authentication says so for these parameters. */
  acceptsNoClient?(params: Record<string, string>): boolean;
  handleWithoutClient?(request: ClientlessTokenRequest): Promise<TokenResponse>;
}

export const GRANT_TYPE_HANDLERS = Symbol('GRANT_TYPE_HANDLERS');
