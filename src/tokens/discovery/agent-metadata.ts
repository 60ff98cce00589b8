import type { AppConfig } from '../../config/app-config';

/**
 * The RFC 8414 metadata for agent-ready authorization, kept apart from the core document: pushed
 * authorization requests (RFC 9126 §5), dynamic registration (RFC 7591 §3, only while it is on), Client ID
 * Metadata Documents (draft-ietf-oauth-client-id-metadata-document §6) and resource indicators (RFC 8707;
 * `resource_indicators_supported` is not IANA-registered, but clients look for it).
 */
export function agentMetadata(config: AppConfig): Record<string, unknown> {
  const iss = config.issuer;
  return {
    pushed_authorization_request_endpoint: `${iss}/oauth2/par`,
    require_pushed_authorization_requests: false,
    ...(config.agents.dcrMode !== 'off' ? { registration_endpoint: `${iss}/oauth2/register` } : {}),
    client_id_metadata_document_supported: true,
    resource_indicators_supported: true,
  };
}
