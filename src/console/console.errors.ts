import { ApiError } from '../platform/errors/api-error';
import type { RendersHtml } from '../platform/errors/error.filter';
import { html, layout, PAGE_HEADERS } from '../platform/web/html';

/** Signed out (or the session expired): 303 to the login page, which brings the developer back here. */
export class SignInRequired extends ApiError {
  constructor(returnTo: string) {
    super(303, 'login_required', 'sign in to use the console', {
      Location: `/auth/login?return_to=${encodeURIComponent(returnTo)}`,
      'Cache-Control': 'no-store',
    });
  }
}

/** A console error as a page (the global filter renders it): 404 for unknown ids, 403 for a failed CSRF check. */
export class ConsolePageError extends ApiError implements RendersHtml {
  constructor(
    status: number,
    code: string,
    readonly title: string,
    description: string,
  ) {
    super(status, code, description, { ...PAGE_HEADERS });
  }

  renderHtml(): string {
    return layout(
      this.title,
      html`<h1>${this.title}</h1>
        <p class="notice bad" role="alert">${this.description}</p>
        <p><a href="/console">Back to the console</a></p>`,
    ).value;
  }
}

export class ConsoleNotFound extends ConsolePageError {
  constructor(what: string) {
    super(404, 'not_found', 'Not found', `This ${what} does not exist, or it is not yours.`);
  }
}

export class ConsoleCsrfFailed extends ConsolePageError {
  constructor() {
    super(
      403,
      'csrf_failed',
      'Please try again',
      'This form expired or did not come from this site, so nothing was changed. Go back, reload the page and submit it again.',
    );
  }
}
