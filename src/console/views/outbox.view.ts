import type { OutboxEntry } from '../../platform/mail/outbox';
import { type Html, html, layout } from '../../platform/web/html';
import { utc } from '../format';

/** Development only: mails the app would have sent, newest first, with their links. */
export function outboxPage(entries: readonly OutboxEntry[]): Html {
  return layout(
    'Dev outbox',
    html`<h1>Dev outbox</h1>
      <p class="notice" role="status">
        Development only: there is no SMTP_URL, so mails are written to the log and kept here (in memory, the
        last 50). In production this page does not exist.
      </p>
      ${
        entries.length === 0
          ? html`<p class="empty">No mail yet. Sign up, or use “Forgot password?” on the sign-in page.</p>`
          : html`<ol class="events outbox">
              ${entries.map(
                (m) =>
                  html`<li>
                    <article aria-labelledby="mail-${m.id}">
                      <h2 id="mail-${m.id}">${m.subject}</h2>
                      <p class="muted small">
                        To ${m.to} · <time datetime="${m.at.toISOString()}">${utc(m.at)}</time>
                      </p>
                      ${m.link ? html`<p><a href="${m.link}">${m.link}</a></p>` : ''}
                      <details>
                        <summary>Text</summary>
                        <pre>${m.text}</pre>
                      </details>
                    </article>
                  </li>`,
              )}
            </ol>`
      }`,
    { wide: true },
  );
}
