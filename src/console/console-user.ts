import {
  createParamDecorator,
  type ExecutionContext,
  Inject,
  Injectable,
  type PipeTransform,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { AuthenticatedRequest } from '../platform/auth/decorators';
import { InvalidToken } from '../platform/errors/oauth-errors';
import { readCookie } from '../platform/http/cookies';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService, type UserView } from '../users/users.service';

/** Everything a console page needs about who is looking at it. */
export interface ConsoleContext {
  /** The session's id hash: one-time secrets and "this browser" in the sign-in history are bound to it. */
  sessionId: string;
  user: UserView;
  /** The CSRF token for this session, put in every form (and in the sign-out button). */
  csrf: string;
  /** Public base URL, for copy-paste examples. */
  issuer: string;
}

/**
 * Builds the page context from what the global guard established (`@Accepts('session')`): it never
 * checks the session again, it only loads the user record and derives the form's CSRF token from the
 * session cookie the guard accepted.
 */
@Injectable()
export class ConsoleContextPipe implements PipeTransform<FastifyRequest, Promise<ConsoleContext>> {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
  ) {}

  async transform(request: FastifyRequest): Promise<ConsoleContext> {
    const principal = (request as AuthenticatedRequest).principal;
    const cookie = readCookie(request, this.sessions.cookieName);
    if (principal?.via !== 'session' || !principal.sessionId || !principal.userId || !cookie) {
      throw new Error('ConsoleUser used on a route that does not accept only the session');
    }
    const user = await this.users.findById(principal.userId);
    // The account went away under a live session: as good as signed out (the page filter sends to sign-in).
    if (!user) throw new InvalidToken('the account no longer exists; sign in again');
    return {
      sessionId: principal.sessionId,
      user,
      csrf: this.sessions.csrfToken(cookie),
      issuer: this.config.issuer,
    };
  }
}

const PageRequest = createParamDecorator((_: unknown, ctx: ExecutionContext): FastifyRequest =>
  ctx.switchToHttp().getRequest<FastifyRequest>(),
);

/** `@ConsoleUser() ctx: ConsoleContext` on a `@Page()` + `@Accepts('session')` route. */
export const ConsoleUser = (): ParameterDecorator => PageRequest(ConsoleContextPipe);
