import { type Html, html, layout } from '../../platform/web/html';
import { PASSKEYS_SCRIPT } from '../pages';

export interface SecondFactorView {
  csrf: string;
  returnTo: string;
  /** Which form to show first: the authenticator code, or a recovery code. */
  method: 'totp' | 'recovery';
  /** Step-up: already signed in, confirming a second factor for something that needs one. */
  stepUp: boolean;
  /** Which factors the user has: only those are offered. */
  totp: boolean;
  passkey: boolean;
  error?: string;
}

/** The second step of sign-in (or a step-up): a code from the authenticator app, or a recovery code. */
export function secondFactorPage(v: SecondFactorView): Html {
  return layout(
    'Two-step verification',
    html`<h1>Two-step verification</h1>
      <p class="muted">
        ${
          v.stepUp
            ? 'This needs a recent second factor. Confirm it’s you to continue.'
            : 'Your password was right. One more step to sign in.'
        }
      </p>
      ${v.error ? html`<p class="notice bad" role="alert" id="form-error">${v.error}</p>` : ''}
      ${
        v.passkey
          ? html`<p>
                <button
                  type="button"
                  data-passkey-signin
                  data-mode="second_factor"
                  data-return-to="${v.returnTo}"
                  hidden
                >
                  Use a passkey
                </button>
              </p>
              <p id="passkey-status" class="muted" role="status"></p>`
          : ''
      }
      ${v.totp ? codeForm(v) : html`<input type="hidden" name="csrf_token" value="${v.csrf}" />`}`,
    { script: PASSKEYS_SCRIPT },
  );
}

function codeForm(v: SecondFactorView): Html {
  const other = v.method === 'totp' ? 'recovery' : 'totp';
  const otherHref = `/auth/mfa?method=${other}&return_to=${encodeURIComponent(v.returnTo)}`;
  return html`<form method="post" action="/auth/mfa" novalidate>
      <input type="hidden" name="csrf_token" value="${v.csrf}" />
      <input type="hidden" name="return_to" value="${v.returnTo}" />
      <input type="hidden" name="method" value="${v.method}" />
      ${
        v.method === 'totp'
          ? html`<label for="code">Code from your authenticator app</label>
              <input
                id="code"
                name="code"
                inputmode="numeric"
                pattern="[0-9 ]*"
                autocomplete="one-time-code"
                maxlength="8"
                required
                autofocus
                ${v.error ? html`aria-describedby="form-error"` : ''}
              />`
          : html`<label for="code">Recovery code</label>
              <input
                id="code"
                name="code"
                autocomplete="off"
                spellcheck="false"
                maxlength="20"
                required
                autofocus
                ${v.error ? html`aria-describedby="form-error"` : ''}
              />`
      }
      <button type="submit">Verify</button>
    </form>
    <p class="muted">
      <a href="${otherHref}"
        >${v.method === 'totp' ? 'Use a recovery code instead' : 'Use your authenticator app instead'}</a
      >
    </p>`;
}
