import type { FieldErrors } from '../../platform/forms/field-errors';
import { type Html, html } from '../../platform/web/html';
import type { ConsoleContext } from '../console-user';
import { csrfField, fieldError, invalid, notice } from './components';
import { consolePage } from './shell';

export interface ProfileView {
  message?: string;
  /** An email change waiting for its link. */
  pendingEmail: string | null;
  /** Which form the errors belong to, and the values to show again (never a password). */
  errors?: { form: 'name' | 'email' | 'password'; fields: FieldErrors };
  values?: { name?: string; email?: string };
}

function errorsOf(v: ProfileView, form: 'name' | 'email' | 'password'): FieldErrors {
  return v.errors?.form === form ? v.errors.fields : {};
}

function topError(errors: FieldErrors): Html | '' {
  return errors[''] ? html`<p class="notice bad" role="alert">${errors['']}</p>` : '';
}

export function profilePage(ctx: ConsoleContext, v: ProfileView): Html {
  const n = errorsOf(v, 'name');
  const e = errorsOf(v, 'email');
  const p = errorsOf(v, 'password');
  return consolePage(
    ctx,
    'profile',
    'Profile',
    html`<h1>Profile</h1>
      ${notice(v.message)}
      <section aria-labelledby="name-title">
        <h2 id="name-title">Name</h2>
        ${topError(n)}
        <form method="post" action="/console/profile/name" novalidate class="stacked">
          ${csrfField(ctx.csrf)}
          <label for="name">Name</label>
          <input
            id="name"
            name="name"
            type="text"
            autocomplete="name"
            maxlength="100"
            required
            value="${v.values?.name ?? ctx.user.displayName}"
            ${invalid(n, 'name')}
          />
          ${fieldError(n, 'name')}
          <div class="row"><button type="submit">Save name</button></div>
        </form>
      </section>
      <section aria-labelledby="email-title">
        <h2 id="email-title">Email</h2>
        <p>
          ${ctx.user.email}
          ${
            ctx.user.emailVerified
              ? html`<span class="badge ok">confirmed</span>`
              : html`<span class="badge warn">not confirmed</span>`
          }
        </p>
        ${
          v.pendingEmail
            ? html`<p class="notice" role="status">
                Waiting for confirmation of <strong>${v.pendingEmail}</strong>: follow the link we sent there.
                Until then, your email stays ${ctx.user.email}.
              </p>`
            : ''
        }
        ${topError(e)}
        <form method="post" action="/console/profile/email" novalidate class="stacked">
          ${csrfField(ctx.csrf)}
          <label for="email">New email</label>
          <p class="muted" id="email-hint">
            We send a link to the new address; the change takes effect when you follow it.
          </p>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="email"
            maxlength="254"
            required
            value="${v.values?.email ?? ''}"
            ${invalid(e, 'email', 'email-hint')}
          />
          ${fieldError(e, 'email')}
          <label for="email-current-password">Current password</label>
          <input
            id="email-current-password"
            name="current_password"
            type="password"
            autocomplete="current-password"
            required
            ${e.current_password ? html`aria-invalid="true" aria-describedby="current_password-error"` : ''}
          />
          ${fieldError(e, 'current_password')}
          <div class="row"><button type="submit">Change email</button></div>
        </form>
      </section>
      <section aria-labelledby="password-title">
        <h2 id="password-title">Password</h2>
        ${topError(p)}
        <form method="post" action="/console/profile/password" novalidate class="stacked">
          ${csrfField(ctx.csrf)}
          <label for="current_password">Current password</label>
          <input
            id="current_password"
            name="current_password"
            type="password"
            autocomplete="current-password"
            required
            ${invalid(p, 'current_password')}
          />
          ${fieldError(p, 'current_password')}
          <label for="new_password">New password</label>
          <p class="muted" id="new_password-hint">
            At least 8 characters. Your other sessions will be signed out.
          </p>
          <input
            id="new_password"
            name="new_password"
            type="password"
            autocomplete="new-password"
            minlength="8"
            required
            ${invalid(p, 'new_password', 'new_password-hint')}
          />
          ${fieldError(p, 'new_password')}
          <div class="row"><button type="submit">Change password</button></div>
        </form>
      </section>
      <section aria-labelledby="data-title">
        <h2 id="data-title">Your data</h2>
        <p class="muted">
          Everything your account holds as a JSON file: profile, sessions, apps, API keys (never the keys
          themselves), authorized apps, projects and your security events.
        </p>
        <p><a class="button secondary" href="/console/account/export" download>Download my data</a></p>
      </section>
      <section aria-labelledby="delete-title">
        <h2 id="delete-title">Delete account</h2>
        <p class="muted">Removes your account with its apps, API keys, projects and sessions, for good.</p>
        <p><a class="button danger" href="/console/account/delete">Delete account…</a></p>
      </section>`,
  );
}
