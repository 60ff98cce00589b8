import type { INestApplicationContext } from '@nestjs/common';

import { SessionsService } from '../../src/sessions/sessions.service';

export interface SignedIn {
  /** Value for the Cookie header. */
  cookie: string;
  /** Value for the X-CSRF-Token header on unsafe methods. */
  csrf: string;
  headers: Record<string, string>;
}

/** A signed-in browser session for a user, as the login page would create it. */
export async function signInAs(app: INestApplicationContext, userId: string): Promise<SignedIn> {
  const sessions = app.get(SessionsService);
  const session = await sessions.create(userId);
  const cookie = `${sessions.cookieName}=${session.token}`;
  const csrf = sessions.csrfToken(session.token);
  return { cookie, csrf, headers: { cookie, 'x-csrf-token': csrf } };
}
