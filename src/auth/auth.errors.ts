import { ApiError } from '../platform/errors/api-error';
import type { RendersHtml } from '../platform/errors/error.filter';
import { html, layout, PAGE_HEADERS } from '../platform/web/html';

/**
 * RFC 6749 §4.1.2.1: when the client or redirect_uri cannot be trusted, tell the user, never redirect
 * (an open redirector would hand codes and errors to an attacker).
 */
export class AuthorizationPageError extends ApiError implements RendersHtml {
  constructor(code: string, description: string, status = 400) {
    super(status, code, description, { ...PAGE_HEADERS });
  }

  renderHtml(): string {
    return layout(
      'Cannot continue',
      html`<h1>This sign-in request cannot continue</h1>
        <p class="notice bad">${this.description}</p>
        <p class="muted">
          Error code: <code>${this.code}</code>. Go back to the app you came from and try again; if it keeps
          happening, tell the app's developer.
        </p>`,
    ).value;
  }
}

/** Any other authorization error goes back to the validated redirect_uri with error, state and iss. */
export class AuthorizationRedirect extends ApiError {
  constructor(location: string, status: 302 | 303, code: string, description: string) {
    super(status, code, description, {
      Location: location,
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
    });
  }
}

/**
 * An authorization request refused after its client and redirect_uri were validated: the service turns
 * it into an AuthorizationRedirect to that redirect_uri (RFC 6749 §4.1.2.1). Never reaches the filter.
 */
export class InvalidAuthorizationRequest extends Error {
  constructor(
    readonly code: string,
    readonly description: string,
  ) {
    super(description);
  }
}
