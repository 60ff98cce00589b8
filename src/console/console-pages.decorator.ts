import { applyDecorators, Controller } from '@nestjs/common';

import { Accepts } from '../platform/auth/decorators';
import { Page } from '../platform/web/page.decorator';
import { CONSOLE_PAGE } from './console.errors';

/**
 * A console section under `/console/<path>`: server-rendered pages for the signed-in developer. The session
 * cookie is the only credential (CSRF token in every form); signed out, a page redirects to the login page
 * and back, and errors render in the console's layout.
 */
export function ConsolePages(path = ''): ClassDecorator {
  return applyDecorators(
    Controller(path ? `console/${path}` : 'console'),
    Page(CONSOLE_PAGE),
    Accepts('session'),
  );
}
