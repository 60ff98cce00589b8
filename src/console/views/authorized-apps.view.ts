import { type Html, html } from '../../platform/web/html';
import type { ConsoleContext } from '../console-user';
import { on, when } from '../format';
import { csrfField, notice, scopeName } from './components';
import { consolePage } from './shell';

export interface AuthorizedAppRow {
  grantId: string;
  appName: string;
  /** False when the app was deleted by its developer (its grant still shows until revoked). */
  appExists: boolean;
  /** How the app registered itself (RFC 7591, a Client ID Metadata Document): its name is unverified. */
  registration?: 'dynamic' | 'metadata_document' | null;
  scopes: string[];
  authorizedAt: Date;
  updatedAt: Date;
}

export function authorizedAppsPage(
  ctx: ConsoleContext,
  rows: AuthorizedAppRow[],
  now: number,
  message?: string,
): Html {
  return consolePage(
    ctx,
    'authorized-apps',
    'Authorized apps',
    html`<h1>Authorized apps</h1>
      <p class="muted">
        Apps you allowed to use your iiniit account. Revoking access stops the app’s tokens at once; it would
        have to ask you again.
      </p>
      ${notice(message)}
      ${
        rows.length === 0
          ? html`<p class="empty">You have not authorized any app.</p>`
          : html`<ul class="cards">
              ${rows.map(
                (r) =>
                  html`<li class="card-item">
                    <h2>
                      ${r.appName}${r.appExists ? '' : html` <span class="badge bad">deleted</span>`}${selfRegisteredBadge(r)}
                    </h2>
                    <p class="muted">
                      Authorized
                      ${on(r.authorizedAt)}${
                        r.updatedAt.getTime() - r.authorizedAt.getTime() > 1000
                          ? html` · changed ${when(r.updatedAt, '', now)}`
                          : ''
                      }
                    </p>
                    <p>It can:</p>
                    <ul class="scopes">
                      ${r.scopes.map((s) => html`<li>${scopeName(s)} <code class="muted">${s}</code></li>`)}
                    </ul>
                    <form method="post" action="/console/authorized-apps/${r.grantId}/revoke">
                      ${csrfField(ctx.csrf)}
                      <button type="submit" class="danger" aria-label="Revoke access for ${r.appName}">
                        Revoke access
                      </button>
                    </form>
                  </li>`,
              )}
            </ul>`
      }`,
  );
}

/** Self-registered apps chose their own name: say so, and that iiniit did not check it. */
function selfRegisteredBadge(r: AuthorizedAppRow): Html | string {
  if (r.registration === 'dynamic') {
    return html` <span class="badge" title="Registered itself (RFC 7591); name not verified by iiniit"
      >dynamic</span
    >`;
  }
  if (r.registration === 'metadata_document') {
    return html` <span
      class="badge"
      title="Described by its own metadata document; name not verified by iiniit"
      >self-described</span
    >`;
  }
  return '';
}
