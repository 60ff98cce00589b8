import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SessionsService, type ActiveSession } from '../sessions/sessions.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { UsersService, type UserView } from '../users/users.service';
import { ConsoleCsrfFailed, SignInRequired } from './console.errors';
import { ConsoleForm } from '../platform/forms/form';

/** Everything a console page needs about who is looking at it. */
export interface ConsoleContext {
  session: ActiveSession;
  user: UserView;
  /** The CSRF token for this session, put in every form (and in the sign-out button). */
  csrf: string;
  /** Public base URL, for copy-paste examples. */
  issuer: string;
}

/**
 * The console's routes are `@Public()` for the global guard and check the browser session here, so a
 * signed-out visitor gets the login page (303) instead of a JSON 401, and forms are checked against the
 * session's CSRF token (a hidden field: forms cannot set the X-CSRF-Token header the JSON API uses).
 */
@Injectable()
export class ConsoleAuth {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
  ) {}

  /** The signed-in developer; otherwise throws a 303 to the login page that returns to `returnTo`. */
  async require(req: FastifyRequest, reply: FastifyReply, returnTo = req.url): Promise<ConsoleContext> {
    const session = await this.sessions.current(req);
    const user = session ? await this.users.findById(session.userId) : null;
    if (!session || !user) throw new SignInRequired(returnTo.startsWith('/console') ? returnTo : '/console');
    return { session, user, csrf: this.sessions.csrfFor(req, reply, session), issuer: this.config.issuer };
  }

  /**
   * A form post: signed in (else back to `returnTo`, a page that shows the form again) and carrying
   * this session's CSRF token (else 403 and nothing changes).
   */
  async requireForm(
    req: FastifyRequest,
    reply: FastifyReply,
    returnTo: string,
  ): Promise<{ ctx: ConsoleContext; form: ConsoleForm }> {
    const ctx = await this.require(req, reply, returnTo);
    const form = ConsoleForm.from(req.body);
    if (!this.sessions.verifyCsrf(req, ctx.session, form.text('csrf_token'))) throw new ConsoleCsrfFailed();
    return { ctx, form };
  }
}

/** Post/Redirect/Get: 303 makes the browser GET the result, so a reload never posts twice. */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.status(303).header('Location', location).header('Cache-Control', 'no-store').send();
}
