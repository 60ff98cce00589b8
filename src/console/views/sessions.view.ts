import { type Html, html } from '../../platform/web/html';
import type { AccountSession } from '../../sessions/account-sessions.service';
import type { ConsoleContext } from '../console-user';
import { describeUserAgent, utc, when } from '../format';
import { type Column, csrfField, dataTable, notice } from './components';
import { consolePage } from './shell';

function columns(ctx: ConsoleContext, now: number): Column<AccountSession>[] {
  return [
    {
      label: 'Browser',
      cell: (s) =>
        html`${describeUserAgent(s.userAgent)}
        ${s.current ? html`<span class="badge ok">this browser</span>` : ''}
        ${s.userAgent ? html`<br /><span class="muted small">${s.userAgent}</span>` : ''}`,
    },
    { label: 'IP address', cell: (s) => s.ip ?? html`<span class="muted">unknown</span>` },
    {
      label: 'Signed in',
      cell: (s) => html`<time datetime="${s.createdAt.toISOString()}">${utc(s.createdAt)}</time>`,
    },
    { label: 'Last seen', cell: (s) => when(s.lastSeenAt, '', now) },
    {
      label: 'Actions',
      hideLabel: true,
      className: 'actions',
      cell: (s) =>
        s.current
          ? html`<span class="muted">current</span>`
          : html`<form method="post" action="/console/sessions/${s.handle}/end" class="inline">
              ${csrfField(ctx.csrf)}
              <button
                type="submit"
                class="link"
                aria-label="Sign out ${describeUserAgent(s.userAgent)} from ${s.ip ?? 'unknown IP'}"
              >
                Sign out
              </button>
            </form>`,
    },
  ];
}

export function sessionsPage(
  ctx: ConsoleContext,
  sessions: AccountSession[],
  now: number,
  message?: string,
): Html {
  const others = sessions.filter((s) => !s.current).length;
  return consolePage(
    ctx,
    'sessions',
    'Sessions',
    html`<h1>Sessions</h1>
      ${notice(message)}
      <p class="muted">
        Browsers signed in to your account. Don’t recognise one? Sign it out and change your password.
      </p>
      ${dataTable('Your sessions', columns(ctx, now), sessions)}
      ${
        others > 0
          ? html`<form method="post" action="/console/sessions/end-others" class="row">
              ${csrfField(ctx.csrf)}
              <button type="submit" class="danger">Sign out everywhere else</button>
            </form>`
          : html`<p class="muted">No other browser is signed in.</p>`
      }`,
  );
}
