import { ApiError } from '../errors/api-error';
import type { RendersHtml } from '../errors/error.filter';
import { html, layout, PAGE_HEADERS } from './html';

/** Where an error page sends people back to: the start of the section they were in. */
export interface PageLink {
  path: string;
  label: string;
}

export const SITE_HOME: PageLink = { path: '/', label: 'Back to the start page' };

/** An error shown as a page: a title, the public description, and a way back. Never anything internal. */
export class PageError extends ApiError implements RendersHtml {
  constructor(
    status: number,
    code: string,
    readonly title: string,
    description: string,
    readonly back: PageLink = SITE_HOME,
    headers: Record<string, string> = {},
  ) {
    super(status, code, description, { ...headers, ...PAGE_HEADERS });
  }

  renderHtml(): string {
    return layout(
      this.title,
      html`<h1>${this.title}</h1>
        <p class="notice bad" role="alert">${this.description}</p>
        <p><a href="${this.back.path}">${this.back.label}</a></p>`,
    ).value;
  }
}

/**
 * A form post whose CSRF token is missing or wrong: 403 and nothing changed. The usual cause is a page
 * left open past its session, so the page says what to do rather than what went wrong.
 */
export class CsrfFailedPage extends PageError {
  constructor(back?: PageLink) {
    super(
      403,
      'csrf_failed',
      'Please try again',
      'This form expired or did not come from this site, so nothing was changed. Go back, reload the page and submit it again.',
      back,
    );
  }
}

const TITLES: Record<number, string> = {
  400: 'Please check your request',
  403: 'Not allowed',
  404: 'Not found',
  409: 'That did not work',
  429: 'Too many requests',
};

/** Any other product error as a page, with the same status, code and headers (e.g. Retry-After). */
export function errorPage(error: ApiError, back?: PageLink): PageError {
  const title = TITLES[error.status] ?? (error.status >= 500 ? 'Something went wrong' : 'That did not work');
  const text = error.description.trim().replace(/\.$/, '');
  const description = `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  return new PageError(error.status, error.code, title, description, back, error.headers);
}
