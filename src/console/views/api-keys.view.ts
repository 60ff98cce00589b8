import { API_KEY_SCOPES, type ApiKeyView } from '../../api-keys/api-keys.service';
import { html, type Html } from '../../common/pages/html';
import type { ConsoleContext } from '../console-auth';
import type { FieldErrors } from '../field-errors';
import { on, utc, when } from '../format';
import { apiKeyCurl } from '../snippets';
import {
  copyable,
  csrfField,
  fieldError,
  formError,
  invalid,
  notice,
  oneTimeSecret,
  scopeCheckboxes,
  scopeList,
  secretGone,
} from './components';
import { consolePage } from './shell';

const WEEK_MS = 7 * 24 * 3600 * 1000;

export function isExpired(key: ApiKeyView, now: number): boolean {
  return !!key.expiresAt && key.expiresAt.getTime() <= now;
}

function status(key: ApiKeyView, now: number): Html {
  if (isExpired(key, now)) return html`<span class="badge bad">Expired</span>`;
  if (key.expiresAt && key.expiresAt.getTime() - now < WEEK_MS)
    return html`<span class="badge warn">Expires soon</span>`;
  return html`<span class="badge ok">Active</span>`;
}

export interface ApiKeysPageView {
  keys: ApiKeyView[];
  now: number;
  message?: string;
  /** The key just created or rolled, on its one view. */
  fresh?: { key: ApiKeyView; secret: string; previousKeyExpiresAt?: Date; previousPrefix?: string };
  secretGone?: boolean;
}

function freshKey(ctx: ConsoleContext, fresh: NonNullable<ApiKeysPageView['fresh']>, now: number): Html {
  const rolled = fresh.previousKeyExpiresAt
    ? html`<p class="notice" role="status">
        The old key${fresh.previousPrefix ? html` <code>${fresh.previousPrefix}…</code>` : ''}
        ${
          fresh.previousKeyExpiresAt.getTime() <= now
            ? 'has stopped working.'
            : html`keeps working until
                <strong>${utc(fresh.previousKeyExpiresAt)}</strong>
                (${when(fresh.previousKeyExpiresAt, '', now)}), then stops: switch your deployments to the new
                key before then.`
        }
      </p>`
    : '';
  return oneTimeSecret(
    'new-key',
    `Your new API key “${fresh.key.name}”`,
    fresh.secret,
    'Copy key',
    html`${rolled}
      <p>Try it now:</p>
      ${copyable('new-key-curl', apiKeyCurl(ctx.issuer, fresh.key, fresh.secret), {
        block: true,
        label: 'Copy command',
      })}`,
  );
}

export function apiKeysPage(ctx: ConsoleContext, v: ApiKeysPageView): Html {
  return consolePage(
    ctx,
    'api-keys',
    'API keys',
    html`<div class="heading-row">
        <h1>API keys</h1>
        <a class="button" href="/console/api-keys/new">Create API key</a>
      </div>
      <p class="muted">
        An API key calls the API as you, limited to its scopes. Send it in the <code>X-API-Key</code> header.
        Keys are shown once; the list shows only their first characters.
      </p>
      ${notice(v.message)} ${v.fresh ? freshKey(ctx, v.fresh, v.now) : ''}
      ${
        v.secretGone
          ? secretGone('API key', html`If you did not save it, roll the key to get a new one.`)
          : ''
      }
      ${
        v.keys.length === 0
          ? html`<p class="empty">
              No API keys yet. <a href="/console/api-keys/new">Create your first key</a> and call the API in a
              minute.
            </p>`
          : html`<div class="table-wrap">
              <table class="stack">
                <caption class="visually-hidden">
                  Your API keys
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Key</th>
                    <th scope="col">Scopes</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Status</th>
                    <th scope="col"><span class="visually-hidden">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  ${v.keys.map(
                    (k) =>
                      html`<tr>
                        <td data-label="Name">${k.name}</td>
                        <td data-label="Key"><code>${k.prefix}…</code></td>
                        <td data-label="Scopes">${scopeList(k.scopes)}</td>
                        <td data-label="Created">${on(k.createdAt)}</td>
                        <td data-label="Last used">${when(k.lastUsedAt, 'Never', v.now)}</td>
                        <td data-label="Expires">${when(k.expiresAt, 'Never', v.now)}</td>
                        <td data-label="Status">${status(k, v.now)}</td>
                        <td data-label="Actions" class="actions">
                          ${
                            isExpired(k, v.now)
                              ? ''
                              : html`<a href="/console/api-keys/${k.id}/roll" aria-label="Roll ${k.name}"
                                  >Roll</a
                                >`
                          }
                          <a
                            href="/console/api-keys/${k.id}/revoke"
                            class="danger-link"
                            aria-label="Revoke ${k.name}"
                            >Revoke</a
                          >
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
      }`,
  );
}

export interface ApiKeyFormValues {
  name: string;
  scopes: string[];
  /** `YYYY-MM-DD` from the date input, '' for a key that does not expire. */
  expiresOn: string;
}

export function newApiKeyPage(
  ctx: ConsoleContext,
  v: ApiKeyFormValues,
  errors: FieldErrors = {},
  today = new Date(),
): Html {
  const min = today.toISOString().slice(0, 10);
  return consolePage(
    ctx,
    'api-keys',
    'Create API key',
    html`<p class="crumbs"><a href="/console/api-keys">API keys</a> ›</p>
      <h1>Create API key</h1>
      ${formError(errors)}
      <form method="post" action="/console/api-keys" novalidate class="stacked">
        ${csrfField(ctx.csrf)}
        <label for="name">Name</label>
        <p class="muted" id="name-hint">
          What uses it, so you know what breaks if you revoke it: “CI deploys”.
        </p>
        <input
          id="name"
          name="name"
          type="text"
          maxlength="100"
          required
          value="${v.name}"
          ${invalid(errors, 'name', 'name-hint')}
        />
        ${fieldError(errors, 'name')} ${scopeCheckboxes(API_KEY_SCOPES, v.scopes, errors)}
        <label for="expires_on">Expiry date <span class="muted">(optional)</span></label>
        <p class="muted" id="expires_on-hint">
          The key stops working at the end of this day (UTC). Leave empty for a key that does not expire.
        </p>
        <input
          id="expires_on"
          name="expires_on"
          type="date"
          min="${min}"
          value="${v.expiresOn}"
          ${invalid(errors, 'expires_on', 'expires_on-hint')}
        />
        ${fieldError(errors, 'expires_on')}
        <div class="row">
          <button type="submit">Create API key</button>
          <a class="button secondary" href="/console/api-keys">Cancel</a>
        </div>
      </form>`,
  );
}

export function rollApiKeyPage(
  ctx: ConsoleContext,
  key: ApiKeyView,
  oldKeyDiesAt: Date,
  now: number,
  error?: string,
): Html {
  const immediate = oldKeyDiesAt.getTime() <= now;
  return consolePage(
    ctx,
    'api-keys',
    `Roll · ${key.name}`,
    html`<p class="crumbs"><a href="/console/api-keys">API keys</a> ›</p>
      <h1>Roll the key “${key.name}”?</h1>
      ${notice(error, 'bad')}
      <p>
        A new key with the same name, scopes and expiry replaces <code>${key.prefix}…</code> and is shown to
        you once.
        ${
          immediate
            ? html`<strong>The old key stops working immediately.</strong>`
            : html`The old key keeps working until
                <strong>${utc(oldKeyDiesAt)}</strong> (${when(oldKeyDiesAt, '', now)}), so you can deploy the
                new one, then stops.`
        }
      </p>
      <form method="post" action="/console/api-keys/${key.id}/roll" class="row">
        ${csrfField(ctx.csrf)}
        <button type="submit">Roll key</button>
        <a class="button secondary" href="/console/api-keys">Cancel</a>
      </form>`,
  );
}

export function revokeApiKeyPage(ctx: ConsoleContext, key: ApiKeyView, now: number): Html {
  return consolePage(
    ctx,
    'api-keys',
    `Revoke · ${key.name}`,
    html`<p class="crumbs"><a href="/console/api-keys">API keys</a> ›</p>
      <h1>Revoke the key “${key.name}”?</h1>
      <p>
        <code>${key.prefix}…</code> stops working immediately: every call made with it is refused from now on.
        This cannot be undone.
      </p>
      <p class="muted">Last used: ${when(key.lastUsedAt, 'never', now)}.</p>
      <form method="post" action="/console/api-keys/${key.id}/revoke" class="row">
        ${csrfField(ctx.csrf)}
        <button type="submit" class="danger">Revoke key</button>
        <a class="button secondary" href="/console/api-keys">Cancel</a>
      </form>`,
  );
}
