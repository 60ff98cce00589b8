import { API_KEY_SCOPES, type ApiKeyView } from '../../api-keys/api-keys.service';
import type { FieldErrors } from '../../platform/forms/field-errors';
import { type Html, html } from '../../platform/web/html';
import type { ConsoleContext } from '../console-user';
import { on, utc, when } from '../format';
import { apiKeyCurl } from '../snippets';
import {
  type Column,
  confirmForm,
  copyable,
  crumbs,
  csrfField,
  dataTable,
  fieldError,
  formError,
  invalid,
  notice,
  oneTimeSecret,
  scopeCheckboxes,
  scopeList,
  secretGone,
  submitOrCancel,
} from './components';
import { consolePage } from './shell';

const WEEK_MS = 7 * 24 * 3600 * 1000;

export function isExpired(key: ApiKeyView, now: number): boolean {
  return !!key.expiresAt && key.expiresAt.getTime() <= now;
}

function status(key: ApiKeyView, now: number): Html {
  if (isExpired(key, now)) return html`<span class="badge bad">Expired</span>`;
  if (key.expiresAt && key.expiresAt.getTime() - now < WEEK_MS) {
    return html`<span class="badge warn">Expires soon</span>`;
  }
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

function keyColumns(now: number): Column<ApiKeyView>[] {
  return [
    { label: 'Name', cell: (k) => k.name },
    { label: 'Key', cell: (k) => html`<code>${k.prefix}…</code>` },
    { label: 'Scopes', cell: (k) => scopeList(k.scopes) },
    { label: 'Created', cell: (k) => on(k.createdAt) },
    { label: 'Last used', cell: (k) => when(k.lastUsedAt, 'Never', now) },
    { label: 'Expires', cell: (k) => when(k.expiresAt, 'Never', now) },
    { label: 'Status', cell: (k) => status(k, now) },
    {
      label: 'Actions',
      hideLabel: true,
      className: 'actions',
      cell: (k) =>
        html`${
            isExpired(k, now)
              ? ''
              : html`<a href="/console/api-keys/${k.id}/roll" aria-label="Roll ${k.name}">Roll</a>`
          }
          <a href="/console/api-keys/${k.id}/revoke" class="danger-link" aria-label="Revoke ${k.name}"
            >Revoke</a
          >`,
    },
  ];
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
          : dataTable('Your API keys', keyColumns(v.now), v.keys)
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
    html`${crumbs(['API keys', '/console/api-keys'])}
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
        <div class="row">${submitOrCancel('Create API key', '/console/api-keys')}</div>
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
    html`${crumbs(['API keys', '/console/api-keys'])}
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
      ${confirmForm(ctx.csrf, `/console/api-keys/${key.id}/roll`, 'Roll key', '/console/api-keys')}`,
  );
}

export function revokeApiKeyPage(ctx: ConsoleContext, key: ApiKeyView, now: number): Html {
  return consolePage(
    ctx,
    'api-keys',
    `Revoke · ${key.name}`,
    html`${crumbs(['API keys', '/console/api-keys'])}
      <h1>Revoke the key “${key.name}”?</h1>
      <p>
        <code>${key.prefix}…</code> stops working immediately: every call made with it is refused from now on.
        This cannot be undone.
      </p>
      <p class="muted">Last used: ${when(key.lastUsedAt, 'never', now)}.</p>
      ${confirmForm(ctx.csrf, `/console/api-keys/${key.id}/revoke`, 'Revoke key', '/console/api-keys', {
        danger: true,
      })}`,
  );
}
