import type { ClientView } from '../../clients/clients.service';
import { type Html, html } from '../../platform/web/html';

/**
 * A client that described itself (a Client ID Metadata Document) or registered itself (RFC 7591) chose
 * its own name and logo: the consent page says so plainly and shows where the user will be sent, which is
 * the one thing the server did check (draft-ietf-oauth-client-id-metadata-document §6.2, RFC 7591 §5).
 */
export function unverifiedClientNotice(client: ClientView, redirectHost: string): Html | string {
  if (!client.registration) return '';
  const source =
    client.registration === 'metadata_document'
      ? html`It describes itself at <code>${client.metadataUrl ?? ''}</code>.`
      : html`It registered itself with this server.`;
  return html`<div class="notice" role="note">
    <p>
      <strong>${client.name}</strong> → <strong>${redirectHost}</strong>
      <span class="badge warn">not verified by iiniit</span>
    </p>
    <p class="muted">
      ${source} Its name was chosen by the app itself; continue only if you expected to be sent to
      <strong>${redirectHost}</strong>.
    </p>
  </div>`;
}
