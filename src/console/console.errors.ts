import type { PageOptions } from '../platform/web/page.decorator';
import { PageError, type PageLink } from '../platform/web/page-error';

/** The console's section: sign-in returns only to /console paths, and error pages link back here. */
export const CONSOLE_HOME: PageLink = { path: '/console', label: 'Back to the console' };
export const CONSOLE_PAGE: PageOptions = { home: CONSOLE_HOME };

/** Unknown ids, malformed ids and other developers' things alike: a 404 page that reveals nothing. */
export class ConsoleNotFound extends PageError {
  constructor(what: string) {
    super(404, 'not_found', 'Not found', `This ${what} does not exist, or it is not yours.`, CONSOLE_HOME);
  }
}
