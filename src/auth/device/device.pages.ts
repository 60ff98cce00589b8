import type { ClientView } from '../../clients/clients.service';
import { type Html, html, layout } from '../../platform/web/html';
import type { PageLink } from '../../platform/web/page-error';
import { type Scope, SCOPES } from '../../tokens/scopes';

export const DEVICE_HOME: PageLink = { path: '/device', label: 'Enter another code' };

/** RFC 8628 §3.3: where the user types the code their device shows. */
export function deviceCodePage(v: { userEmail: string; userCode?: string; error?: string }): Html {
  return layout(
    'Connect a device',
    html`<h1>Connect a device</h1>
      <p class="muted">Signed in as ${v.userEmail}</p>
      <p>Enter the code shown on your device or in your terminal.</p>
      ${v.error ? html`<p class="notice bad" role="alert" id="code-error">${v.error}</p>` : ''}
      <form method="get" action="/device" novalidate>
        <label for="user_code">Code</label>
        <input
          id="user_code"
          name="user_code"
          type="text"
          autocomplete="one-time-code"
          autocapitalize="characters"
          spellcheck="false"
          maxlength="32"
          placeholder="BCDF-GHJK"
          required
          value="${v.userCode ?? ''}"
          ${v.error ? html`aria-invalid="true" aria-describedby="code-error"` : ''}
        />
        <button type="submit">Continue</button>
      </form>`,
  );
}

/**
 * RFC 8628 §5.4: the user confirms the code matches their device before anything is granted (a code
 * can arrive by phishing), seeing which app asks and for what.
 */
export function deviceConfirmPage(v: {
  csrf: string;
  userEmail: string;
  userCode: string;
  client: ClientView;
  scopes: string[];
}): Html {
  return layout(
    'Connect a device',
    html`<h1><strong>${v.client.name}</strong> wants to access your iiniit account</h1>
      <p class="muted">Signed in as ${v.userEmail}</p>
      ${
        // RFC 7591 §5: a self-registered app chose its own name; with no redirect to show, say only that.
        v.client.registration
          ? html`<p class="notice" role="note">
              <span class="badge warn">not verified by iiniit</span> This app registered itself and chose its
              own name.
            </p>`
          : ''
      }
      <p>
        Check that your device shows this code: <strong id="user-code"><code>${v.userCode}</code></strong
        >. If you did not start this sign-in yourself, deny it.
      </p>
      <p>This will allow the device to:</p>
      <ul class="scopes">
        ${v.scopes.map((s) => html`<li><strong>${SCOPES[s as Scope] ?? s}</strong> <code class="muted">${s}</code></li>`)}
      </ul>
      <form method="post" action="/device">
        <input type="hidden" name="csrf_token" value="${v.csrf}" />
        <input type="hidden" name="user_code" value="${v.userCode}" />
        <div class="row">
          <button type="submit" name="decision" value="approve">Allow</button>
          <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
        </div>
      </form>`,
  );
}

export function deviceDonePage(v: { approved: boolean; appName: string }): Html {
  return layout(
    v.approved ? 'Device connected' : 'Access denied',
    v.approved
      ? html`<h1>Device connected</h1>
          <p class="notice ok" role="status">
            <strong>${v.appName}</strong> is now signed in. You can close this window and return to your
            device.
          </p>`
      : html`<h1>Access denied</h1>
          <p class="notice" role="status">
            <strong>${v.appName}</strong> was not given access. You can close this window.
          </p>`,
  );
}
