import type { ApiKeyView } from '../../api-keys/api-keys.service';
import type { ClientView } from '../../clients/clients.service';
import { type Html, html } from '../../platform/web/html';
import type { ConsoleContext } from '../console-user';
import { apiKeyCurl } from '../snippets';
import { copyable } from './components';
import { consolePage } from './shell';

export interface HomeView {
  apps: ClientView[];
  keys: ApiKeyView[];
  authorizedApps: number;
  now: number;
}

/** The key a first API call should use: the newest live one, preferring one that may read projects. */
export function keyForFirstCall(keys: readonly ApiKeyView[], now: number): ApiKeyView | undefined {
  const live = keys.filter((k) => !k.expiresAt || k.expiresAt.getTime() > now);
  return live.find((k) => k.scopes.includes('read:projects')) ?? live[0];
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function nextStep(ctx: ConsoleContext, v: HomeView): Html {
  const key = keyForFirstCall(v.keys, v.now);
  if (!key) {
    return html`<ol class="steps">
      <li>
        <strong>Create an API key</strong> to call the API from a script, a CI job or your server. You will
        get a ready-to-run <code>curl</code> command with it. <br /><a
          class="button"
          href="/console/api-keys/new"
          >Create an API key</a
        >
      </li>
      <li>
        <strong>Or register an app</strong> if people will sign in to your product with their iiniit account
        (OAuth 2.0). You get a client ID, a secret and a ready-to-paste authorize URL. <br /><a
          class="button secondary"
          href="/console/apps/new"
          >Create an app</a
        >
      </li>
    </ol>`;
  }
  return html`<p>
      Call the API with your key <strong>${key.name}</strong> (<code>${key.prefix}…</code>). Paste the whole
      key you copied when you created it:
    </p>
    ${copyable('first-call', apiKeyCurl(ctx.issuer, key), { block: true, label: 'Copy command' })}
    <p class="muted">
      Lost the key? It was shown once and cannot be shown again:
      <a href="/console/api-keys/${key.id}/roll">roll it</a> to get a new one.
    </p>
    ${
      v.apps.length === 0
        ? html`<p>
            Then, to let people sign in with iiniit, <a href="/console/apps/new">register an app</a>.
          </p>`
        : ''
    }`;
}

export function homePage(ctx: ConsoleContext, v: HomeView): Html {
  return consolePage(
    ctx,
    'home',
    'Console',
    html`<h1>Welcome, ${ctx.user.displayName}</h1>
      <p class="muted">
        Your developer console: API keys for your own scripts, OAuth apps that sign people in, and the apps
        you have allowed into your account.
      </p>
      <section aria-labelledby="next-title" class="panel">
        <h2 id="next-title">Your next step</h2>
        ${nextStep(ctx, v)}
      </section>
      <section aria-labelledby="glance-title">
        <h2 id="glance-title">At a glance</h2>
        <ul class="stats">
          <li><a href="/console/apps">${plural(v.apps.length, 'app', 'apps')}</a></li>
          <li><a href="/console/api-keys">${plural(v.keys.length, 'API key', 'API keys')}</a></li>
          <li>
            <a href="/console/authorized-apps"
              >${plural(v.authorizedApps, 'authorized app', 'authorized apps')}</a
            >
          </li>
        </ul>
        <p class="muted">
          API reference: <a href="/docs">/docs</a> · Scopes: <code>read:user</code>,
          <code>read:projects</code>,
          <code>write:projects</code>
        </p>
      </section>`,
  );
}
