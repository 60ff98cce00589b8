import type { FieldErrors } from '../../platform/forms/field-errors';
import { type Html, html, layout } from '../../platform/web/html';
import type { ConsoleContext } from '../console-user';
import { crumbs, csrfField, fieldError, invalid, submitOrCancel } from './components';
import { consolePage } from './shell';

export function deleteAccountPage(ctx: ConsoleContext, errors: FieldErrors = {}): Html {
  return consolePage(
    ctx,
    'profile',
    'Delete account',
    html`${crumbs(['Profile', '/console/profile'])}
      <h1>Delete your account?</h1>
      <p>This cannot be undone. It removes, at once and for good:</p>
      <ul>
        <li>your account <strong>${ctx.user.email}</strong> and every session,</li>
        <li>your API keys (calls with them are refused from now on),</li>
        <li>your apps and the tokens they hold,</li>
        <li>the access you gave to apps, and your projects.</li>
      </ul>
      <p class="muted">
        Want a copy first? <a href="/console/account/export" download>Download my data</a>. The security log
        keeps a record that events happened, without your email, IP addresses or browsers.
      </p>
      <form method="post" action="/console/account/delete" novalidate class="stacked">
        ${csrfField(ctx.csrf)}
        <label for="password">Your password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          ${invalid(errors, 'password')}
        />
        ${fieldError(errors, 'password')}
        <div class="row">${submitOrCancel('Delete my account', '/console/profile', { danger: true })}</div>
      </form>`,
  );
}

export function accountDeletedPage(): Html {
  return layout(
    'Account deleted',
    html`<h1>Your account was deleted</h1>
      <p role="status">
        Everything in it is gone, and you are signed out. A confirmation is on its way by mail.
      </p>
      <p><a href="/auth/signup">Create a new account</a></p>`,
  );
}
