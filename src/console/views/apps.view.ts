import { type ClientView, DEVICE_CODE } from '../../clients/clients.service';
import type { FieldErrors } from '../../platform/forms/field-errors';
import { type Html, html } from '../../platform/web/html';
import { KNOWN_SCOPES } from '../../tokens/scopes';
import type { ConsoleContext } from '../console-user';
import { on } from '../format';
import type { AppSnippets } from '../snippets';
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

export interface AppFormValues {
  name: string;
  type: string;
  /** The textarea's text: one URI per line. */
  redirectUris: string;
  scopes: string[];
  /** OpenID Connect sign-in: one URI per line (RP-Initiated Logout) and the id_token algorithm. */
  postLogoutRedirectUris: string;
  idTokenAlg: string;
  /** RFC 8628: the app may also sign users in with the device flow (CLIs, TVs). */
  deviceFlow: boolean;
  /** RFC 9449 §5.2: token requests must carry a DPoP proof. */
  dpopBound?: boolean;
}

export function appFormValues(app: ClientView): AppFormValues {
  return {
    name: app.name,
    type: app.type,
    redirectUris: app.redirectUris.join('\n'),
    scopes: app.scopes,
    postLogoutRedirectUris: app.postLogoutRedirectUris.join('\n'),
    idTokenAlg: app.idTokenSignedResponseAlg,
    deviceFlow: app.grantTypes.includes(DEVICE_CODE),
    dpopBound: app.dpopBoundAccessTokens ?? false,
  };
}

/** RFC 8628 device sign-in: for apps that cannot open a browser themselves. */
function deviceFlowField(v: AppFormValues): Html {
  return html`<fieldset id="device-flow">
    <legend>Devices and command-line tools</legend>
    <label class="checkbox"
      ><input type="checkbox" name="device_flow" value="on" ${v.deviceFlow ? html`checked` : ''} />
      <span
        ><strong>Device sign-in</strong><br /><span class="muted"
          >For CLIs and TVs: the app shows a short code, the user enters it at <code>/device</code> on another
          screen (RFC 8628 device authorization grant).</span
        ></span
      ></label
    >
  </fieldset>`;
}

const ID_TOKEN_ALG_CHOICES = [
  ['ES256', 'ES256 (recommended)'],
  ['RS256', 'RS256 (for libraries that only know RSA)'],
] as const;

/** OpenID Connect settings: where logout may return to, and how id_tokens are signed. */
function openIdFields(v: AppFormValues, errors: FieldErrors): Html {
  return html`<fieldset id="openid">
      <legend>Sign-in with OpenID Connect</legend>
      <p class="muted">
        Add the <code>openid</code> scope (and <code>profile</code>, <code>email</code>) to get an id_token
        and use the userinfo endpoint.
      </p>
      <label for="post_logout_redirect_uris">Return addresses after sign-out</label>
      <p class="muted" id="post_logout_redirect_uris-hint">
        One per line. Where people may come back after signing out at <code>/oauth2/logout</code>, matched
        exactly.
      </p>
      <textarea
        id="post_logout_redirect_uris"
        name="post_logout_redirect_uris"
        rows="2"
        spellcheck="false"
        autocapitalize="off"
        placeholder="https://example.com/signed-out"
        ${invalid(errors, 'post_logout_redirect_uris', 'post_logout_redirect_uris-hint')}
      >
${v.postLogoutRedirectUris}</textarea>
      ${fieldError(errors, 'post_logout_redirect_uris')}
      <label for="id_token_signed_response_alg">id_token signing algorithm</label>
      <select
        id="id_token_signed_response_alg"
        name="id_token_signed_response_alg"
        ${invalid(errors, 'id_token_signed_response_alg')}
      >
        ${ID_TOKEN_ALG_CHOICES.map(
          ([value, label]) =>
            html`<option value="${value}" ${v.idTokenAlg === value ? html`selected` : ''}>${label}</option>`,
        )}
      </select>
      ${fieldError(errors, 'id_token_signed_response_alg')}
    </fieldset>
    <fieldset id="dpop">
      <legend>Proof of possession (DPoP)</legend>
      <label
        ><input
          type="checkbox"
          name="dpop_bound_access_tokens"
          value="on"
          ${v.dpopBound ? html`checked` : ''}
        />
        Require DPoP: tokens are only issued bound to a key the app holds (RFC 9449)</label
      >
    </fieldset>`;
}

const TYPES = [
  [
    'confidential',
    'Confidential (server-side)',
    'Runs on a server you control and can keep a secret. Signs in with a client ID and a client secret.',
  ],
  [
    'public',
    'Public (browser or mobile)',
    'Runs on the user’s device (single-page, mobile or desktop app) and cannot keep a secret. No secret: it uses PKCE.',
  ],
] as const;

function typeLabel(type: string): string {
  return type === 'public' ? 'Public' : 'Confidential';
}

const APP_COLUMNS: Column<ClientView>[] = [
  { label: 'Name', cell: (app) => html`<a href="/console/apps/${app.id}">${app.name}</a>` },
  { label: 'Client ID', cell: (app) => html`<code>${app.clientId}</code>` },
  { label: 'Type', cell: (app) => typeLabel(app.type) },
  { label: 'Scopes', cell: (app) => scopeList(app.scopes) },
  { label: 'Created', cell: (app) => on(app.createdAt) },
];

export function appsPage(ctx: ConsoleContext, apps: ClientView[], message?: string): Html {
  return consolePage(
    ctx,
    'apps',
    'Apps',
    html`<div class="heading-row">
        <h1>Apps</h1>
        <a class="button" href="/console/apps/new">Create app</a>
      </div>
      <p class="muted">OAuth 2.0 apps let people sign in to your product with their iiniit account.</p>
      ${notice(message)}
      ${
        apps.length === 0
          ? html`<p class="empty">
              No apps yet. <a href="/console/apps/new">Create your first app</a> to get a client ID and an
              authorize URL to paste into your code.
            </p>`
          : dataTable('Your apps', APP_COLUMNS, apps)
      }`,
  );
}

function nameField(v: AppFormValues, errors: FieldErrors): Html {
  return html`<label for="name">Name</label>
    <p class="muted" id="name-hint">People see it on the consent page: use your product’s name.</p>
    <input
      id="name"
      name="name"
      type="text"
      maxlength="100"
      required
      value="${v.name}"
      ${invalid(errors, 'name', 'name-hint')}
    />
    ${fieldError(errors, 'name')}`;
}

function redirectUrisField(v: AppFormValues, errors: FieldErrors): Html {
  return html`<label for="redirect_uris">Redirect URIs</label>
    <p class="muted" id="redirect_uris-hint">
      One per line. Where people come back after signing in, matched exactly. https, or http on
      <code>localhost</code>/<code>127.0.0.1</code> for development.
    </p>
    <textarea
      id="redirect_uris"
      name="redirect_uris"
      rows="3"
      spellcheck="false"
      autocapitalize="off"
      placeholder="https://example.com/callback"
      ${invalid(errors, 'redirect_uris', 'redirect_uris-hint')}
    >
${v.redirectUris}</textarea>
    ${fieldError(errors, 'redirect_uris')}`;
}

export function newAppPage(ctx: ConsoleContext, v: AppFormValues, errors: FieldErrors = {}): Html {
  return consolePage(
    ctx,
    'apps',
    'Create app',
    html`<h1>Create app</h1>
      ${formError(errors)}
      <form method="post" action="/console/apps" novalidate class="stacked">
        ${csrfField(ctx.csrf)} ${nameField(v, errors)}
        <fieldset id="type" ${invalid(errors, 'type')}>
          <legend>App type</legend>
          ${TYPES.map(
            ([value, label, hint]) =>
              html`<label class="checkbox"
                ><input type="radio" name="type" value="${value}" ${v.type === value ? html`checked` : ''} />
                <span><strong>${label}</strong><br /><span class="muted">${hint}</span></span></label
              >`,
          )}
          ${fieldError(errors, 'type')}
        </fieldset>
        ${redirectUrisField(v, errors)} ${scopeCheckboxes(KNOWN_SCOPES, v.scopes, errors)}
        ${openIdFields(v, errors)} ${deviceFlowField(v)}
        <div class="row">${submitOrCancel('Create app', '/console/apps')}</div>
      </form>`,
  );
}

export interface AppPageView {
  app: ClientView;
  snippets: AppSnippets | null;
  form: AppFormValues;
  errors?: FieldErrors;
  message?: string;
  /** The secret just created or rotated, on its one view. */
  secret?: string;
  /** A `?secret=` link whose secret was already shown (reload) or expired. */
  secretGone?: boolean;
}

function credentials(app: ClientView): Html {
  return html`<section aria-labelledby="credentials-title">
    <h2 id="credentials-title">Credentials</h2>
    <p class="field-label" id="client-id-label">Client ID</p>
    ${copyable('client-id', app.clientId, { label: 'Copy client ID' })}
    ${
      app.type === 'confidential'
        ? html`<p class="field-label">Client secret</p>
            <p class="muted">
              Hidden: we keep only a hash. Authenticate with HTTP Basic (<code>client_secret_basic</code>) or
              <code>client_id</code> + <code>client_secret</code> in the form body.
              <a href="/console/apps/${app.id}/rotate-secret">Rotate the secret</a> if it leaked or was lost.
            </p>`
        : html`<p class="muted">
            Public app: no client secret. Every authorization request must carry a PKCE
            <code>code_challenge</code> (S256), and the token request its <code>code_verifier</code>.
          </p>`
    }
  </section>`;
}

function tryIt(app: ClientView, s: AppSnippets | null): Html {
  if (!s) {
    return html`<section aria-labelledby="try-title">
      <h2 id="try-title">Try it</h2>
      <p class="muted">Add a redirect URI to get a ready-to-paste authorize URL.</p>
    </section>`;
  }
  return html`<section aria-labelledby="try-title">
    <h2 id="try-title">Try it</h2>
    <p>
      1. Send a browser to this authorize URL. People sign in, approve, and come back to
      <code>${s.redirectUri}</code> with <code>?code=…&amp;state=${s.state}</code>.
    </p>
    ${copyable('authorize-url', s.authorizeUrl, { block: true, label: 'Copy URL' })}
    <p><a href="${s.authorizeUrl}" id="open-authorize-url">Open the authorize URL</a> to try it yourself.</p>
    <p>
      2. Within 60 seconds, exchange the code for
      tokens${app.type === 'confidential' ? html` (set <code>CLIENT_SECRET</code> to the app’s secret)` : ''}:
    </p>
    ${copyable('token-request', s.tokenRequest, { block: true, label: 'Copy command' })}
    <p class="muted">
      The PKCE pair (<code class="verifier" id="code-verifier">${s.codeVerifier}</code>) and the state were
      made for this page view: your app must make a new pair and a new state for every sign-in.
    </p>
  </section>`;
}

export function appPage(ctx: ConsoleContext, v: AppPageView): Html {
  const errors = v.errors ?? {};
  const { app } = v;
  return consolePage(
    ctx,
    'apps',
    app.name,
    html`${crumbs(['Apps', '/console/apps'])}
      <h1>${app.name}</h1>
      ${notice(v.message)}
      ${v.secret ? oneTimeSecret('client-secret', 'Your client secret', v.secret, 'Copy secret') : ''}
      ${
        v.secretGone
          ? secretGone(
              'client secret',
              html`If you did not save it,
                <a href="/console/apps/${app.id}/rotate-secret">rotate the secret</a>.`,
            )
          : ''
      }
      ${credentials(app)} ${tryIt(app, v.snippets)}
      <section aria-labelledby="settings-title">
        <h2 id="settings-title">Settings</h2>
        ${formError(errors)}
        <form method="post" action="/console/apps/${app.id}" novalidate class="stacked">
          ${csrfField(ctx.csrf)} ${nameField(v.form, errors)} ${redirectUrisField(v.form, errors)}
          ${scopeCheckboxes(KNOWN_SCOPES, v.form.scopes, errors)} ${openIdFields(v.form, errors)}
          ${deviceFlowField(v.form)}
          <button type="submit">Save changes</button>
        </form>
      </section>
      <section aria-labelledby="danger-title" class="danger-zone">
        <h2 id="danger-title">Danger zone</h2>
        <div class="row">
          ${
            app.type === 'confidential'
              ? html`<a class="button secondary" href="/console/apps/${app.id}/rotate-secret"
                  >Rotate secret</a
                >`
              : ''
          }
          <a class="button danger" href="/console/apps/${app.id}/delete">Delete app</a>
        </div>
        <p class="muted">Type: ${typeLabel(app.type)} · Created ${on(app.createdAt)}</p>
      </section>`,
  );
}

export function rotateSecretPage(ctx: ConsoleContext, app: ClientView, overlapSeconds: number): Html {
  const consequence =
    overlapSeconds > 0
      ? `The current secret keeps working for ${Math.round(overlapSeconds / 60)} more minutes, then stops: deploy the new one before then.`
      : 'The current secret stops working immediately: every server using it must switch to the new one.';
  const home = `/console/apps/${app.id}`;
  return consolePage(
    ctx,
    'apps',
    `Rotate secret · ${app.name}`,
    html`${crumbs(['Apps', '/console/apps'], [app.name, home])}
      <h1>Rotate the client secret of ${app.name}?</h1>
      <p>A new secret is created and shown to you once. ${consequence}</p>
      ${confirmForm(ctx.csrf, `${home}/rotate-secret`, 'Rotate secret', home, { danger: true })}`,
  );
}

export function deleteAppPage(ctx: ConsoleContext, app: ClientView, accessTokenTtl: number): Html {
  const home = `/console/apps/${app.id}`;
  return consolePage(
    ctx,
    'apps',
    `Delete · ${app.name}`,
    html`${crumbs(['Apps', '/console/apps'], [app.name, home])}
      <h1>Delete ${app.name}?</h1>
      <p>
        Its client ID <code>${app.clientId}</code> stops working at once: nobody can sign in through it, and
        it can no longer get or refresh tokens. Access tokens it already holds run out on their own within
        ${Math.ceil(accessTokenTtl / 60)} minutes. This cannot be undone.
      </p>
      ${confirmForm(ctx.csrf, `${home}/delete`, 'Delete app', home, { danger: true })}`,
  );
}
