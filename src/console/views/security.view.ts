import { type Html, html } from '../../platform/web/html';
import type { SignInRecord } from '../../sessions/sign-in-history.service';
import type { ConsoleContext } from '../console-user';
import { describeUserAgent, utc, when } from '../format';
import { type Column, dataTable } from './components';
import { consolePage } from './shell';

export type SignInRow = SignInRecord;

export interface EventRow {
  at: Date;
  /** Plain words: "API key iik_test_3hQ9… revoked". */
  what: string;
  ip: string | null;
  userAgent: string | null;
  /** Failed sign-ins and detected token replays stand out. */
  alarming: boolean;
}

function device(ua: string | null): Html {
  return html`${describeUserAgent(ua)}${ua ? html`<br /><span class="muted small">${ua}</span>` : ''}`;
}

function signInColumns(now: number): Column<SignInRow>[] {
  return [
    {
      label: 'Signed in',
      cell: (s) =>
        html`<time datetime="${s.at.toISOString()}">${utc(s.at)}</time>
          ${s.current ? html`<span class="badge ok">this browser</span>` : ''}`,
    },
    { label: 'IP address', cell: (s) => s.ip ?? html`<span class="muted">unknown</span>` },
    { label: 'Device', cell: (s) => device(s.userAgent) },
    { label: 'Session ends', cell: (s) => when(s.expiresAt, '', now) },
  ];
}

export function securityPage(
  ctx: ConsoleContext,
  signIns: SignInRow[],
  events: EventRow[],
  now: number,
): Html {
  return consolePage(
    ctx,
    'security',
    'Security activity',
    html`<h1>Security activity</h1>
      <section aria-labelledby="sign-ins-title">
        <h2 id="sign-ins-title">Recent sign-ins</h2>
        <p class="muted">
          Browsers signed in to your account right now, newest first. Signing out on a device removes it from
          this list. Don’t recognise one? Roll your API keys and rotate your app secrets.
        </p>
        ${
          signIns.length === 0
            ? html`<p class="empty">No active sign-ins.</p>`
            : dataTable('Recent sign-ins', signInColumns(now), signIns)
        }
      </section>
      <section aria-labelledby="events-title">
        <h2 id="events-title">Key and app events</h2>
        <p class="muted">
          From the audit log: sign-ins and failed attempts, API keys and apps created, rolled, rotated,
          deleted or revoked, and access you granted or took back.
        </p>
        ${
          events.length === 0
            ? html`<p class="empty">No events yet. Key and app events appear here as they happen.</p>`
            : html`<ol class="events">
                ${events.map(
                  (e) =>
                    html`<li class="${e.alarming ? 'alarming' : ''}">
                      <time datetime="${e.at.toISOString()}">${utc(e.at)}</time>
                      <span class="what">${e.what}</span>
                      ${
                        e.ip || e.userAgent
                          ? html`<span class="muted small"
                              >${[e.ip, e.userAgent ? describeUserAgent(e.userAgent) : null]
                                .filter(Boolean)
                                .join(' · ')}</span
                            >`
                          : ''
                      }
                    </li>`,
                )}
              </ol>`
        }
      </section>`,
  );
}
