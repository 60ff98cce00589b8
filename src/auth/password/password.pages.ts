import { type Html, html, layout } from '../../platform/web/html';

function csrfInput(csrf: string): Html {
  return html`<input type="hidden" name="csrf_token" value="${csrf}" />`;
}

function alert(error?: string): Html | '' {
  return error ? html`<p class="notice bad" role="alert" id="form-error">${error}</p>` : '';
}

export function forgotPasswordPage(v: { csrf: string; email?: string; error?: string }): Html {
  return layout(
    'Forgot password',
    html`<h1>Forgot your password?</h1>
      <p class="muted">
        Enter the email address of your account. We will send you a link to choose a new password.
      </p>
      ${alert(v.error)}
      <form method="post" action="/auth/password/forgot" novalidate>
        ${csrfInput(v.csrf)}
        <label for="email">Email</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="email"
          required
          maxlength="254"
          value="${v.email ?? ''}"
          ${v.error ? html`aria-describedby="form-error"` : ''}
        />
        <button type="submit">Send reset link</button>
      </form>
      <p class="muted"><a href="/auth/login">Back to sign-in</a></p>`,
  );
}

/** One page whether or not an account has the address: nothing to learn about who is registered. */
export function resetLinkSentPage(devOutbox = false): Html {
  return layout(
    'Check your inbox',
    html`<h1>Check your inbox</h1>
      <p role="status">
        If an account uses that address, a link to choose a new password is on its way. It works once and for
        a short time.
      </p>
      <p class="muted">No mail after a few minutes? Look in your spam folder, or ask again.</p>
      ${
        devOutbox
          ? html`<p class="notice">
              Development: without SMTP_URL, mails go to the log and the
              <a href="/console/dev/outbox">dev outbox</a>.
            </p>`
          : ''
      }
      <p><a href="/auth/login">Back to sign-in</a></p>`,
  );
}

export function resetPasswordPage(v: { csrf: string; token: string; error?: string }): Html {
  return layout(
    'Choose a new password',
    html`<h1>Choose a new password</h1>
      ${alert(v.error)}
      <form method="post" action="/auth/password/reset" novalidate>
        ${csrfInput(v.csrf)}
        <input type="hidden" name="token" value="${v.token}" />
        <label for="password">New password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="new-password"
          required
          minlength="8"
          aria-describedby="password-hint${v.error ? ' form-error' : ''}"
        />
        <p class="muted" id="password-hint">
          At least 8 characters. Every signed-in browser will be signed out.
        </p>
        <button type="submit">Set new password</button>
      </form>`,
  );
}

export function linkSpentPage(what: 'reset' | 'verify'): Html {
  const again =
    what === 'reset'
      ? html`<a href="/auth/password/forgot">Ask for a new link</a>`
      : html`<a href="/console/profile">Send a new link from your profile</a>`;
  return layout(
    'Link expired',
    html`<h1>This link no longer works</h1>
      <p class="notice bad" role="alert">It was already used, replaced by a newer one, or it expired.</p>
      <p>${again}</p>`,
  );
}

export function passwordResetDonePage(): Html {
  return layout(
    'Password changed',
    html`<h1>Your password was changed</h1>
      <p role="status">Every browser that was signed in to your account has been signed out.</p>
      <p><a class="button" href="/auth/login">Sign in</a></p>`,
  );
}
