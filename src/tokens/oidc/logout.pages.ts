import { ApiError } from '../../platform/errors/api-error';
import type { RendersHtml } from '../../platform/errors/error.filter';
import { type Html, html, layout, PAGE_HEADERS } from '../../platform/web/html';

/** A logout request that cannot be trusted: shown as a page, never redirected (no open redirector). */
export class LogoutPageError extends ApiError implements RendersHtml {
  constructor(code: string, description: string, status = 400) {
    super(status, code, description, { ...PAGE_HEADERS });
  }

  renderHtml(): string {
    return layout(
      'Cannot sign out here',
      html`<h1>This sign-out request cannot continue</h1>
        <p class="notice bad">${this.description}</p>
        <p class="muted">
          Error code: <code>${this.code}</code>. You are still signed in. To sign out, use the
          <a href="/console">console</a>.
        </p>`,
    ).value;
  }
}

export interface LogoutConfirmView {
  csrf: string;
  appName?: string;
  /** Validated values only, re-posted with the confirmation. */
  fields: Record<string, string | undefined>;
}

/** RP-Initiated Logout 1.0 §2: without a trustworthy id_token_hint the OP asks the user first. */
export function logoutConfirmPage(v: LogoutConfirmView): Html {
  const hidden = Object.entries(v.fields)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`);
  return layout(
    'Sign out',
    html`<h1>Sign out of iiniit?</h1>
      ${v.appName ? html`<p><strong>${v.appName}</strong> asks to sign you out.</p>` : ''}
      <p class="muted">You will need to sign in again to use apps that use your iiniit account.</p>
      <form method="post" action="/oauth2/logout">
        ${hidden}
        <input type="hidden" name="csrf_token" value="${v.csrf}" />
        <div class="row">
          <button type="submit" name="logout_confirm" value="yes">Sign out</button>
          <a class="button secondary" href="/console">Stay signed in</a>
        </div>
      </form>`,
  );
}

export function signedOutPage(appName?: string): Html {
  return layout(
    'Signed out',
    html`<h1>You are signed out</h1>
      ${appName ? html`<p class="muted">You can close this window and return to ${appName}.</p>` : ''}
      <p><a href="/auth/login">Sign in again</a></p>`,
  );
}
