import { applyDecorators, SetMetadata, UseFilters, UseGuards } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';

import { HiddenFromApiDocs } from '../http/api-docs';
import { PageExceptionFilter, type PageOptions, SIGN_IN_RETURNS_TO } from './page-exception.filter';
import { PageFormGuard } from './page-form.guard';

export type { PageOptions } from './page-exception.filter';

export const IS_PAGE = 'iiniit:page';

/**
 * Marks routes that answer a browser with HTML. Their errors are pages too: no session (401) becomes a
 * 303 to the login page that brings the visitor back, a failed CSRF check is the "please try again"
 * page, anything else a page with the same status. Authentication itself stays the global guard's
 * (`@Accepts('session')` on the route); form posts must carry their CSRF token in the form. Pages are
 * left out of the OpenAPI reference.
 */
export function Page(options: PageOptions = {}): ClassDecorator & MethodDecorator {
  return applyDecorators(
    SetMetadata(IS_PAGE, true),
    UseFilters(new PageExceptionFilter(options)),
    UseGuards(PageFormGuard),
    // Pages are for browsers, not API clients: they stay out of the API reference.
    HiddenFromApiDocs(),
  );
}

/**
 * The page a signed-out form post returns to after sign-in: the page that shows the form, since the post
 * itself cannot be replayed by a GET. `:name` placeholders take the route's parameters. Without it, a
 * form post returns to its own path and a GET to its own URL.
 */
export function SignInReturnsTo(path: string): MethodDecorator {
  return RouteConfig({ [SIGN_IN_RETURNS_TO]: path });
}
