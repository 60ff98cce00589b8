import type { ClientView } from '../clients/clients.service';
import { type Html, html, layout } from '../platform/web/html';
import { type Scope, SCOPES } from '../tokens/scopes';
import { unverifiedClientNotice } from './consent/unverified-client';
import { upstreamButtons } from './idp/upstream-buttons';

function hidden(fields: Record<string, string | undefined>): Html[] {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`);
}

/** WebAuthn in the browser: passkey sign-in and conditional UI (served by the passkeys controller). */
export const PASSKEYS_SCRIPT = '/assets/passkeys.js';

export interface LoginView {
  csrf: string;
  returnTo: string;
  email?: string;
  error?: string;
  appName?: string;
}

export function loginPage(v: LoginView): Html {
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
      ${v.appName ? html`<p class="muted">to continue to <strong>${v.appName}</strong></p>` : ''}
      ${v.error ? html`<p class="notice bad" role="alert" id="form-error">${v.error}</p>` : ''}
      <form method="post" action="/auth/login" novalidate>
        ${hidden({ csrf_token: v.csrf, return_to: v.returnTo })}
        <label for="email">Email</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="username webauthn"
          data-return-to="${v.returnTo}"
          required
          value="${v.email ?? ''}"
          ${v.error ? html`aria-describedby="form-error"` : ''}
        />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
      <p>
        <button
          type="button"
          class="secondary"
          data-passkey-signin
          data-mode="passwordless"
          data-return-to="${v.returnTo}"
          hidden
        >
          Continue with a passkey
        </button>
      </p>
      <p id="passkey-status" class="muted" role="status"></p>
      ${upstreamButtons(v.returnTo)}
      <p class="muted"><a href="/auth/password/forgot">Forgot password?</a></p>
      <p class="muted">
        New here? <a href="/auth/signup?return_to=${encodeURIComponent(v.returnTo)}">Create an account</a>
      </p>`,
    { script: PASSKEYS_SCRIPT },
  );
}

export interface SignupView {
  csrf: string;
  returnTo: string;
  email?: string;
  name?: string;
  errors?: Record<string, string>;
  error?: string;
}

export function signupPage(v: SignupView): Html {
  const e = v.errors ?? {};
  const fieldError = (field: string) =>
    e[field] ? html`<p class="error" id="${field}-error">${e[field]}</p>` : '';
  const describedBy = (field: string) =>
    e[field] ? html`aria-invalid="true" aria-describedby="${field}-error"` : '';
  return layout(
    'Create account',
    html`<h1>Create your iiniit account</h1>
      ${v.error ? html`<p class="notice bad" role="alert">${v.error}</p>` : ''}
      <form method="post" action="/auth/signup" novalidate>
        ${hidden({ csrf_token: v.csrf, return_to: v.returnTo })}
        <label for="name">Name</label>
        <input
          id="name"
          name="name"
          type="text"
          autocomplete="name"
          maxlength="100"
          value="${v.name ?? ''}"
          ${describedBy('name')}
        />
        ${fieldError('name')}
        <label for="email">Email</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="email"
          required
          value="${v.email ?? ''}"
          ${describedBy('email')}
        />
        ${fieldError('email')}
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="new-password"
          required
          minlength="8"
          ${describedBy('password')}
        />
        <p class="muted">At least 8 characters. Long passphrases are best.</p>
        ${fieldError('password')}
        <button type="submit">Create account</button>
      </form>
      ${upstreamButtons(v.returnTo)}
      <p class="muted">
        Already have an account? <a href="/auth/login?return_to=${encodeURIComponent(v.returnTo)}">Sign in</a>
      </p>`,
  );
}

export interface ConsentView {
  csrf: string;
  client: ClientView;
  scopes: string[];
  userEmail: string;
  /** The authorization request, re-posted and re-validated on submit. */
  request: Record<string, string | undefined>;
  /** The validated redirect URI (a pushed request carries it only by reference). */
  redirectUri?: string;
}

export function consentPage(v: ConsentView): Html {
  const host = (() => {
    try {
      return new URL(v.redirectUri ?? v.request.redirect_uri ?? v.client.redirectUris[0] ?? '').host;
    } catch {
      return '';
    }
  })();
  return layout(
    'Authorize app',
    html`<h1><strong>${v.client.name}</strong> wants to access your iiniit account</h1>
      ${unverifiedClientNotice(v.client, host)}
      <p class="muted">Signed in as ${v.userEmail}</p>
      <p>This will allow the app to:</p>
      <ul class="scopes">
        ${v.scopes.map((s) => html`<li><strong>${SCOPES[s as Scope] ?? s}</strong> <code class="muted">${s}</code></li>`)}
      </ul>
      ${host ? html`<p class="muted">You will be sent back to <strong>${host}</strong>.</p>` : ''}
      ${
        v.client.type === 'public'
          ? html`<p class="muted">This app runs on your device or in your browser; we ask every time.</p>`
          : ''
      }
      <form method="post" action="/auth/consent">
        ${hidden({ csrf_token: v.csrf, ...v.request })}
        <div class="row">
          <button type="submit" name="decision" value="approve">Allow</button>
          <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
        </div>
      </form>`,
  );
}

/** "45 seconds", "2 minutes": how long a rate-limited visitor waits. */
export function waitText(retryAfterSeconds: number): string {
  const s = retryAfterSeconds;
  if (s < 90) return `${s} second${s === 1 ? '' : 's'}`;
  return `${Math.ceil(s / 60)} minutes`;
}
