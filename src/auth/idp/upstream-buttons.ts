import { type Html, html } from '../../platform/web/html';

export interface UpstreamButton {
  slug: string;
  name: string;
}

/**
 * The enabled providers, as IdpRegistry last loaded them. Module state rather than an injected service so
 * the login and sign-up page templates (plain functions) can show the buttons without every route that
 * renders them having to know about upstream providers.
 */
let buttons: readonly UpstreamButton[] = [];

export function setUpstreamButtons(list: readonly UpstreamButton[]): void {
  buttons = list;
}

/** "Continue with <name>" for each enabled provider, coming back to `returnTo` (e.g. the consent page). */
export function upstreamButtons(returnTo: string): Html | '' {
  if (buttons.length === 0) return '';
  const query = `?return_to=${encodeURIComponent(returnTo)}`;
  return html`<div class="upstream" aria-label="Other ways to sign in">
    <p class="muted">or</p>
    ${buttons.map(
      (b) =>
        html`<p>
          <a class="button secondary" href="/auth/idp/${b.slug}${query}">Continue with ${b.name}</a>
        </p>`,
    )}
  </div>`;
}
