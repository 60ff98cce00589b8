import { type Html, html, layout } from '../../platform/web/html';
import type { ConsoleContext } from '../console-user';
import { csrfField } from './components';

/** Until the address is confirmed: say so on every page, with a way to get the link again. */
function verifyBanner(ctx: ConsoleContext): Html | '' {
  if (ctx.user.emailVerified) return '';
  return html`<div class="notice" role="status">
    <p>Please confirm your email address: we sent a link to <strong>${ctx.user.email}</strong>.</p>
    <form method="post" action="/console/profile/verification" class="inline">
      ${csrfField(ctx.csrf)}
      <button type="submit" class="link">Send the link again</button>
    </form>
  </div>`;
}

export type Section =
  | 'home'
  | 'apps'
  | 'api-keys'
  | 'authorized-apps'
  | 'security'
  | 'sign-in-methods'
  | 'sessions'
  | 'linked-sign-ins'
  | 'profile'
  | 'resources';

const NAV: readonly [Section, string, string][] = [
  ['home', 'Home', '/console'],
  ['apps', 'Apps', '/console/apps'],
  ['api-keys', 'API keys', '/console/api-keys'],
  ['authorized-apps', 'Authorized apps', '/console/authorized-apps'],
  ['security', 'Security activity', '/console/security'],
  ['sign-in-methods', 'Sign-in methods', '/console/sign-in-methods'],
  ['sessions', 'Sessions', '/console/sessions'],
  ['linked-sign-ins', 'Linked sign-ins', '/console/linked-sign-ins'],
  ['profile', 'Profile', '/console/profile'],
  ['resources', 'Resources', '/console/resources'],
];

export const CONSOLE_SCRIPT = '/assets/console.js';

/**
 * Every console page: the shared layout (CSP-friendly, no inline script or style), a skip link, the
 * navigation with the current section marked for screen readers, and sign-out as a CSRF-checked POST.
 */
export function consolePage(
  ctx: ConsoleContext,
  section: Section | null,
  title: string,
  body: Html,
  /** A page's own script, loaded after the console's (e.g. passkeys). */
  extraScript?: string,
): Html {
  return layout(
    title,
    html`<a class="skip" href="#content">Skip to content</a>
      <header class="console-header">
        <nav class="top" aria-label="Console">
          ${NAV.map(
            ([id, label, href]) =>
              html`<a href="${href}" ${id === section ? html`aria-current="page"` : ''}>${label}</a>`,
          )}
          <form method="post" action="/auth/logout" class="inline">
            ${csrfField(ctx.csrf)}
            <button type="submit" class="link">Sign out</button>
          </form>
        </nav>
        <p class="muted who">Signed in as <strong>${ctx.user.email}</strong></p>
      </header>
      <div id="content" tabindex="-1">${verifyBanner(ctx)}${body}</div>`,
    { wide: true, script: CONSOLE_SCRIPT, ...(extraScript ? { extraScript } : {}) },
  );
}
