import type { LinkedSignInsView } from '../../auth/idp/linked-sign-ins.service';
import { type Html, html } from '../../platform/web/html';
import type { ConsoleContext } from '../console-user';
import { utc, when } from '../format';
import { csrfField, notice } from './components';
import { consolePage } from './shell';

export function linkedSignInsPage(
  ctx: ConsoleContext,
  v: LinkedSignInsView,
  now: number,
  message?: string,
): Html {
  const lastWay = !v.hasPassword && v.linked.length <= 1;
  return consolePage(
    ctx,
    'linked-sign-ins',
    'Linked sign-ins',
    html`<h1>Linked sign-ins</h1>
      ${notice(message)}
      <p class="muted">
        Accounts at other providers that can sign you in here.
        ${v.hasPassword ? 'You can also sign in with your email and password.' : 'Your account has no password.'}
      </p>
      ${
        v.linked.length === 0
          ? html`<p class="muted">Nothing linked yet.</p>`
          : html`<ul class="linked">
              ${v.linked.map(
                (l) =>
                  html`<li>
                    <strong>${l.providerName}</strong>
                    ${l.email ? html`<span class="muted">${l.email}</span>` : ''}
                    <br /><span class="muted small"
                      >Linked <time datetime="${l.linkedAt.toISOString()}">${utc(l.linkedAt)}</time>, last
                      used ${when(l.lastUsedAt, 'never', now)}</span
                    >
                    ${
                      lastWay
                        ? html`<p class="muted small">
                            This is your only way to sign in, so it cannot be unlinked.
                          </p>`
                        : html`<form
                            method="post"
                            action="/console/linked-sign-ins/${l.id}/unlink"
                            class="inline"
                          >
                            ${csrfField(ctx.csrf)}
                            <button type="submit" class="link" aria-label="Unlink ${l.providerName}">
                              Unlink
                            </button>
                          </form>`
                    }
                  </li>`,
              )}
            </ul>`
      }
      ${v.available.map(
        (p) =>
          html`<form method="post" action="/console/linked-sign-ins/${p.slug}/link" class="row">
            ${csrfField(ctx.csrf)}
            <button type="submit" class="secondary">Link ${p.name}</button>
          </form>`,
      )}`,
  );
}
