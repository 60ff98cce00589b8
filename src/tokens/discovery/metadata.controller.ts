import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ID_TOKEN_ALGS } from '../../clients/clients.service';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Public } from '../../platform/auth/decorators';
import { DPOP_ALGS } from '../dpop/dpop-proof';
import { apiAudience } from '../jwt/access-tokens.service';
import { ACR_VALUES } from '../oidc/auth-context';
import { KNOWN_SCOPES, SCOPE_CLAIMS, SUPPORTED_CLAIMS } from '../scopes';
import { TokenEndpoint } from '../token/token-endpoint.service';
import { agentMetadata } from './agent-metadata';

const METADATA_SCHEMA = { type: 'object', additionalProperties: true } as const;

/** RFC 8414 authorization server metadata (also served as the OIDC discovery document) and RFC 9728. */
@ApiTags('discovery')
@Controller('.well-known')
@Public()
export class MetadataController {
  private readonly metadata: Record<string, unknown>;
  private readonly resource: Record<string, unknown>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    endpoint: TokenEndpoint,
  ) {
    const iss = config.issuer;
    const clientAuth = ['client_secret_basic', 'client_secret_post', 'none'];
    this.metadata = {
      issuer: iss,
      authorization_endpoint: `${iss}/oauth2/authorize`,
      token_endpoint: `${iss}/oauth2/token`,
      jwks_uri: `${iss}/.well-known/jwks.json`,
      introspection_endpoint: `${iss}/oauth2/introspect`,
      revocation_endpoint: `${iss}/oauth2/revoke`,
      // OpenID Connect Discovery 1.0 §3 and RP-Initiated Logout 1.0 §2.1.
      userinfo_endpoint: `${iss}/oauth2/userinfo`,
      end_session_endpoint: `${iss}/oauth2/logout`,
      // RFC 8628 §4.
      device_authorization_endpoint: `${iss}/oauth2/device_authorization`,
      scopes_supported: KNOWN_SCOPES,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: endpoint.grantTypes,
      token_endpoint_auth_methods_supported: clientAuth,
      introspection_endpoint_auth_methods_supported: clientAuth.filter((m) => m !== 'none'),
      revocation_endpoint_auth_methods_supported: clientAuth,
      code_challenge_methods_supported: ['S256'],
      // RFC 9207: the authorization response carries `iss`, so clients can detect mix-up attacks.
      authorization_response_iss_parameter_supported: true,
      // RFC 9068 access tokens.
      access_token_signing_alg_values_supported: ['ES256'],
      // RFC 9449 §5.1: DPoP proofs at the token endpoint and the resource API.
      dpop_signing_alg_values_supported: [...DPOP_ALGS],
      // OIDC Discovery §3: only what works — no claims/request objects, no signed or encrypted userinfo.
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [...ID_TOKEN_ALGS],
      claim_types_supported: ['normal'],
      claims_supported: [
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'nonce',
        'azp',
        'at_hash',
        'sid',
        'amr',
        'acr',
        ...SUPPORTED_CLAIMS,
      ],
      prompt_values_supported: ['none', 'login', 'consent'],
      // OIDC Discovery §3: the authentication context classes a client may ask for with acr_values.
      acr_values_supported: [...ACR_VALUES],
      claims_parameter_supported: false,
      request_parameter_supported: false,
      // Discovery §3 defaults this to true: say it plainly.
      request_uri_parameter_supported: false,
      service_documentation: `${iss}/docs`,
      // Agent-ready authorization (MCP): PAR, registration, CIMD, resource indicators.
      ...agentMetadata(config),
    };
    this.resource = {
      resource: apiAudience(config),
      authorization_servers: [iss],
      // RFC 9728 §2: the API's own scopes; the OpenID Connect scopes are for sign-in, not for /v1.
      scopes_supported: KNOWN_SCOPES.filter((s) => !(s in SCOPE_CLAIMS) && s !== 'offline_access'),
      bearer_methods_supported: ['header'],
      // RFC 9449 §5.1 / RFC 9728 §2: the API takes DPoP-bound tokens too.
      dpop_signing_alg_values_supported: [...DPOP_ALGS],
      resource_documentation: `${iss}/docs`,
    };
  }

  @Get('oauth-authorization-server')
  @ApiOperation({ summary: 'Authorization server metadata (RFC 8414 §3)' })
  @ApiOkResponse({ description: 'RFC 8414 §2 metadata', schema: METADATA_SCHEMA })
  @Header('Cache-Control', 'public, max-age=300')
  authorizationServer(): Record<string, unknown> {
    return this.metadata;
  }

  @Get('openid-configuration')
  @ApiOperation({ summary: 'OpenID Provider configuration (OpenID Connect Discovery 1.0 §4)' })
  @ApiOkResponse({ description: 'the same document as RFC 8414 metadata', schema: METADATA_SCHEMA })
  @Header('Cache-Control', 'public, max-age=300')
  openidConfiguration(): Record<string, unknown> {
    return this.metadata;
  }

  @Get('oauth-protected-resource')
  @ApiOperation({ summary: 'Protected resource metadata of the API (RFC 9728 §3)' })
  @ApiOkResponse({ description: 'RFC 9728 §2 metadata', schema: METADATA_SCHEMA })
  @Header('Cache-Control', 'public, max-age=300')
  protectedResource(): Record<string, unknown> {
    return this.resource;
  }

  /** RFC 9728 §3.1: the metadata of the resource ISSUER/v1, at the path-suffixed well-known URI. */
  @Get('oauth-protected-resource/v1')
  @ApiOperation({ summary: 'Protected resource metadata of ISSUER/v1 (RFC 9728 §3.1, path-suffixed)' })
  @ApiOkResponse({ description: 'RFC 9728 §2 metadata', schema: METADATA_SCHEMA })
  @Header('Cache-Control', 'public, max-age=300')
  protectedResourceV1(): Record<string, unknown> {
    return this.resource;
  }
}
