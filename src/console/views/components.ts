import type { FieldErrors } from '../../platform/forms/field-errors';
import { type Html, html } from '../../platform/web/html';
import { type Scope, SCOPES } from '../../tokens/scopes';

export function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="csrf_token" value="${csrf}" />`;
}

/** The message under a field, linked to it with aria-describedby (screen readers read it with the field). */
export function fieldError(errors: FieldErrors, field: string): Html | '' {
  return errors[field] ? html`<p class="error" id="${field}-error">${errors[field]}</p>` : '';
}

export function invalid(errors: FieldErrors, field: string, hint?: string): Html | '' {
  const ids = [hint, errors[field] ? `${field}-error` : undefined].filter(Boolean).join(' ');
  return html`${errors[field] ? html`aria-invalid="true"` : ''} ${ids ? html`aria-describedby="${ids}"` : ''}`;
}

/** Errors for fields the form does not show (or the whole form), at the top. */
export function formError(errors: FieldErrors): Html | '' {
  return errors[''] ? html`<p class="notice bad" role="alert">${errors['']}</p>` : '';
}

export function notice(text: string | undefined, kind: 'ok' | 'bad' = 'ok'): Html | '' {
  return text ? html`<p class="notice ${kind}" role="status">${text}</p>` : '';
}

export function scopeName(scope: string): string {
  return (SCOPES as Record<string, string>)[scope] ?? scope;
}

/** Scope tags with the plain-words meaning as a tooltip. */
export function scopeList(scopes: readonly string[]): Html {
  if (scopes.length === 0) return html`<span class="muted">none</span>`;
  return html`<span class="tags"
    >${scopes.map((s) => html`<code class="tag" title="${scopeName(s)}">${s}</code> `)}</span
  >`;
}

/** One checkbox per scope, each inside its own label. */
export function scopeCheckboxes(
  allowed: readonly Scope[],
  checked: readonly string[],
  errors: FieldErrors,
  legend = 'Scopes',
): Html {
  return html`<fieldset id="scopes" ${invalid(errors, 'scopes', 'scopes-hint')}>
    <legend>${legend}</legend>
    <p class="muted" id="scopes-hint">What the credential may do. Pick the least it needs.</p>
    ${allowed.map(
      (scope) =>
        html`<label class="checkbox"
          ><input
            type="checkbox"
            name="scopes"
            value="${scope}"
            ${checked.includes(scope) ? html`checked` : ''}
          />
          <span><code>${scope}</code> · ${SCOPES[scope]}</span></label
        >`,
    )}
    ${fieldError(errors, 'scopes')}
  </fieldset>`;
}

/**
 * A value with a copy button. The button is hidden until /assets/console.js shows it (no script, no
 * useless button); the status line announces "Copied" to screen readers.
 */
export function copyable(
  id: string,
  value: string,
  options: { block?: boolean; label?: string; secret?: boolean } = {},
): Html {
  const text = options.block
    ? html`<pre id="${id}" tabindex="0">${value}</pre>`
    : html`<code class="${options.secret ? 'secret' : 'value'}" id="${id}">${value}</code>`;
  return html`<div class="copyable">
    ${text}
    <div class="row">
      <button type="button" class="secondary copy" data-copy="${id}" hidden>
        ${options.label ?? 'Copy'}
      </button>
      <span class="copy-status muted" role="status" aria-live="polite"></span>
    </div>
  </div>`;
}

/** A freshly minted secret: shown on this one page view, with the warning that it will not come back. */
export function oneTimeSecret(
  id: string,
  title: string,
  secret: string,
  copyLabel: string,
  extra: Html | '' = '',
): Html {
  return html`<section class="once" aria-labelledby="${id}-title">
    <h2 id="${id}-title">${title}</h2>
    <p>
      <strong>Copy it now: you won't see this again.</strong> We keep only a hash of it, so nobody can show it
      to you later. If you lose it, make a new one.
    </p>
    ${copyable(id, secret, { label: copyLabel, secret: true })} ${extra}
  </section>`;
}

/** After a reload, or once five minutes have passed: the secret is gone, say so and say what to do. */
export function secretGone(what: string, fix: Html): Html {
  return html`<p class="notice" role="status">
    The ${what} was shown once and is no longer available: you won't see it again. ${fix}
  </p>`;
}

/** Where a page sits: `API keys ›`, `Apps › My app ›`. */
export function crumbs(...links: (readonly [label: string, href: string])[]): Html {
  const trail = links.map(([label, href], i) => html`${i > 0 ? ' › ' : ''}<a href="${href}">${label}</a>`);
  return html`<p class="crumbs">${trail} ›</p>`;
}

/** A form's submit button and the way out. */
export function submitOrCancel(label: string, cancel: string, options: { danger?: boolean } = {}): Html {
  const button = options.danger
    ? html`<button type="submit" class="danger">${label}</button>`
    : html`<button type="submit">${label}</button>`;
  return html`${button} <a class="button secondary" href="${cancel}">Cancel</a>`;
}

/** The confirm step of an action (roll, revoke, rotate, delete): a CSRF-checked POST, or Cancel. */
export function confirmForm(
  csrf: string,
  action: string,
  label: string,
  cancel: string,
  options: { danger?: boolean } = {},
): Html {
  return html`<form method="post" action="${action}" class="row">
    ${csrfField(csrf)} ${submitOrCancel(label, cancel, options)}
  </form>`;
}

/** One column of a `dataTable`: its header, and the cell it shows for a row. */
export interface Column<T> {
  label: string;
  cell: (row: T) => Html | string;
  /** The header is read by screen readers only (an actions column). */
  hideLabel?: boolean;
  className?: string;
}

function headerCell<T>(c: Column<T>): Html {
  const label = c.hideLabel ? html`<span class="visually-hidden">${c.label}</span>` : c.label;
  return html`<th scope="col">${label}</th>`;
}

function bodyCell<T>(c: Column<T>, row: T): Html {
  return c.className
    ? html`<td data-label="${c.label}" class="${c.className}">${c.cell(row)}</td>`
    : html`<td data-label="${c.label}">${c.cell(row)}</td>`;
}

/**
 * A list as a table with a screen-reader caption; on narrow screens it stacks, each cell named by its
 * column (`data-label`).
 */
export function dataTable<T>(caption: string, columns: readonly Column<T>[], rows: readonly T[]): Html {
  return html`<div class="table-wrap">
    <table class="stack">
      <caption class="visually-hidden">
        ${caption}
      </caption>
      <thead>
        <tr>
          ${columns.map(headerCell)}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (row) =>
            html`<tr>
              ${columns.map((c) => bodyCell(c, row))}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
