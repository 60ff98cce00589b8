import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import type { ApiError } from '../errors/api-error';
import { sendError, toApiError } from '../errors/error.filter';
import { CsrfFailedPage, errorPage, type PageLink, SITE_HOME } from './page-error';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Fastify route config key (`@SignInReturnsTo`): a filter sees the request, not the handler's metadata. */
export const SIGN_IN_RETURNS_TO = 'signInReturnsTo';

export interface PageOptions {
  /**
   * The start of the section: sign-in returns only to paths under it (anything else returns here), and
   * error pages link back to it. Default: the site root.
   */
  home?: PageLink;
}

function rendersHtml(error: ApiError): boolean {
  return typeof (error as Partial<{ renderHtml: unknown }>).renderHtml === 'function';
}

/** `/console/apps/:id` with `{ id: '…' }` → `/console/apps/…` (each value percent-encoded). */
function fillParams(template: string, params: unknown): string {
  const values = (params && typeof params === 'object' ? params : {}) as Record<string, unknown>;
  return template.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = values[name];
    return typeof value === 'string' ? encodeURIComponent(value) : '';
  });
}

/**
 * The exception filter of `@Page()` routes (it takes precedence over the global JSON filter there).
 * A missing or expired session (401) is a 303 to the login page with `return_to`, a same-origin path
 * inside the page's section; errors that already render as pages keep their page; other errors become
 * a page with the same status and public description. Details of unexpected errors go only to the log.
 */
@Catch()
export class PageExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('PageExceptionFilter');
  private readonly home: PageLink;

  constructor(options: PageOptions = {}) {
    this.home = options.home ?? SITE_HOME;
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent) return;
    const { error, unexpected } = toApiError(exception);
    if (unexpected) this.logger.error({ err: exception, reqId: request.id }, 'unhandled error');
    if (error.status === 401) {
      const location = `/auth/login?return_to=${encodeURIComponent(this.returnTo(request))}`;
      reply.status(303).header('Location', location).header('Cache-Control', 'no-store').send();
      return;
    }
    sendError(reply, this.asPage(error));
  }

  private asPage(error: ApiError): ApiError {
    // Redirects (3xx) have no body; pages that render themselves know best.
    if (rendersHtml(error) || (error.status >= 300 && error.status < 400)) return error;
    if (error.code === 'csrf_failed') return new CsrfFailedPage(this.home);
    return errorPage(error, this.home);
  }

  /**
   * Where sign-in brings the visitor back: a GET to its own URL; a form post to the page showing the
   * form (`@SignInReturnsTo`), else to its own path. Only paths inside the section: sign-in follows
   * same-origin paths only, and a path outside the section is never what this page meant.
   */
  private returnTo(request: FastifyRequest): string {
    let path: string;
    if (SAFE_METHODS.has(request.method)) {
      path = request.url;
    } else {
      const config = request.routeOptions.config as { [SIGN_IN_RETURNS_TO]?: unknown } | undefined;
      const template = config?.[SIGN_IN_RETURNS_TO];
      path = typeof template === 'string' ? fillParams(template, request.params) : request.url.split('?')[0];
    }
    const home = this.home.path;
    const inside = path.startsWith(home) && !path.startsWith('//') && !path.startsWith('/\\');
    return inside ? path : home;
  }
}
