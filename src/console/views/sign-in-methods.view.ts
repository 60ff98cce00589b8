import type { PasskeyView } from '../../auth/mfa/passkeys.service';
import type { SecondFactorStatus, TotpEnrolment } from '../../auth/mfa/second-factors.service';
import { PASSKEYS_SCRIPT } from '../../auth/pages';
import { Html, html } from '../../platform/web/html';
import type { ConsoleContext } from '../console-user';
import { utc } from '../format';
import { crumbs, csrfField, notice } from './components';
import { consolePage } from './shell';

export interface SignInMethodsView {
  status: SecondFactorStatus;
  passkeys: PasskeyView[];
  message?: string;
  /** REQUIRE_MFA: the user was sent here because a second factor is required. */
  required?: boolean;
}

export function signInMethodsPage(ctx: ConsoleContext, v: SignInMethodsView): Html {
  const { status } = v;
  return consolePage(
    ctx,
    'sign-in-methods',
    'Sign-in methods',
    html`<h1>Sign-in methods</h1>
      ${
        v.required
          ? notice(
              'Your organisation requires two-step verification. Set up an authenticator app to continue.',
              'bad',
            )
          : ''
      }
      ${notice(v.message)}
      <section aria-labelledby="passkeys-title">
        <h2 id="passkeys-title">Passkeys</h2>
        <p class="muted">
          Sign in with your fingerprint, face or device PIN instead of a password. A passkey also works as the
          second step after your password.
        </p>
        ${
          v.passkeys.length === 0
            ? html`<p class="empty">No passkeys yet.</p>`
            : html`<ul class="passkeys" id="passkey-list">
                ${v.passkeys.map(
                  (p) =>
                    html`<li>
                      <strong class="passkey-name">${p.name}</strong>
                      <span class="muted small"
                        >added <time datetime="${p.createdAt.toISOString()}">${utc(p.createdAt)}</time> ·
                        ${
                          p.lastUsedAt
                            ? html`last used
                                <time datetime="${p.lastUsedAt.toISOString()}">${utc(p.lastUsedAt)}</time>`
                            : 'never used'
                        }</span
                      >
                      <form
                        method="post"
                        action="/console/sign-in-methods/passkeys/${p.id}/delete"
                        class="inline"
                      >
                        ${csrfField(ctx.csrf)}
                        <button type="submit" class="link danger" aria-label="Remove passkey ${p.name}">
                          Remove
                        </button>
                      </form>
                    </li>`,
                )}
              </ul>`
        }
        <form data-passkey-register class="row" novalidate>
          ${csrfField(ctx.csrf)}
          <label for="passkey-name">Name</label>
          <input id="passkey-name" name="name" maxlength="100" placeholder="e.g. MacBook Touch ID" />
          <button type="submit">Add a passkey</button>
        </form>
        <p id="passkey-status" class="muted" role="status"></p>
      </section>
      <section aria-labelledby="totp-title">
        <h2 id="totp-title">Authenticator app</h2>
        ${
          status.totp
            ? html`<p>
                  <span class="badge ok">On</span> Signing in asks for a code from your authenticator app.
                </p>
                <form method="post" action="/console/sign-in-methods/totp/disable" class="row">
                  ${csrfField(ctx.csrf)}
                  <button type="submit" class="danger">Turn off</button>
                </form>`
            : html`<p class="muted">
                  Add a second step to signing in: a 6-digit code from an app such as 1Password, Google
                  Authenticator or Authy.
                </p>
                <form method="post" action="/console/sign-in-methods/totp" class="row">
                  ${csrfField(ctx.csrf)}
                  <button type="submit">Set up authenticator app</button>
                </form>`
        }
      </section>
      ${
        status.totp
          ? html`<section aria-labelledby="recovery-title">
              <h2 id="recovery-title">Recovery codes</h2>
              <p>
                <span id="recovery-left">${status.recoveryCodesLeft}</span> of 10 recovery codes left. Each
                one signs you in once if you lose your phone.
              </p>
              <form method="post" action="/console/sign-in-methods/recovery-codes" class="row">
                ${csrfField(ctx.csrf)}
                <button type="submit" class="secondary">Make new recovery codes</button>
              </form>
            </section>`
          : ''
      }`,
    PASSKEYS_SCRIPT,
  );
}

export function totpEnrolPage(ctx: ConsoleContext, enrolment: TotpEnrolment, error?: string): Html {
  return consolePage(
    ctx,
    'sign-in-methods',
    'Set up authenticator app',
    html`${crumbs(['Sign-in methods', '/console/sign-in-methods'])}
      <h1>Set up your authenticator app</h1>
      <ol>
        <li>Scan this QR code with your authenticator app.</li>
        <li>Enter the 6-digit code the app shows.</li>
      </ol>
      <figure class="qr" aria-label="QR code for your authenticator app">${new Html(enrolment.qrSvg)}</figure>
      <p class="muted">
        Can’t scan it? Enter this key in the app instead:
        <code id="totp-secret">${enrolment.secret.replace(/(.{4})/g, '$1 ').trim()}</code>
      </p>
      ${error ? html`<p class="notice bad" role="alert" id="code-error">${error}</p>` : ''}
      <form method="post" action="/console/sign-in-methods/totp/confirm" novalidate class="stacked">
        ${csrfField(ctx.csrf)}
        <label for="code">Code from the app</label>
        <input
          id="code"
          name="code"
          inputmode="numeric"
          autocomplete="one-time-code"
          maxlength="8"
          required
          ${error ? html`aria-invalid="true" aria-describedby="code-error"` : ''}
        />
        <div class="row"><button type="submit">Turn on</button></div>
      </form>`,
  );
}

/** Recovery codes: shown on this one response, never again (only their hashes are kept). */
export function recoveryCodesPage(
  ctx: ConsoleContext,
  codes: string[],
  fresh: 'enrolled' | 'regenerated',
): Html {
  return consolePage(
    ctx,
    'sign-in-methods',
    'Recovery codes',
    html`${crumbs(['Sign-in methods', '/console/sign-in-methods'])}
      ${notice(
        fresh === 'enrolled'
          ? 'Two-step verification is on.'
          : 'New recovery codes made. The old ones no longer work.',
      )}
      <section class="once" aria-labelledby="codes-title">
        <h2 id="codes-title">Your recovery codes</h2>
        <p>
          <strong>Save them now: you won't see them again.</strong> Each code signs you in once when you can’t
          use your authenticator app. Keep them somewhere safe, like a password manager.
        </p>
        <ul class="codes" id="recovery-codes">
          ${codes.map((c) => html`<li><code>${c}</code></li>`)}
        </ul>
      </section>
      <p><a class="button" href="/console/sign-in-methods">Done</a></p>`,
  );
}
