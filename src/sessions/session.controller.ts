import { Controller, Get, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Accepts, CurrentPrincipal } from '../platform/auth/decorators';
import type { Principal } from '../platform/auth/principal';
import { NotFound } from '../platform/errors/api-error';
import { UsersService } from '../users/users.service';
import { SessionsService } from './sessions.service';

/** The signed-in browser's identity and CSRF token, for scripts calling the self-service API. */
@Controller('auth/session')
@Accepts('session')
export class SessionController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
  ) {}

  @Get()
  async current(
    @CurrentPrincipal() p: Principal,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ user: { id: string; email: string; name: string }; csrf_token: string }> {
    const user = await this.users.findById(p.userId!);
    if (!user) throw new NotFound('user');
    reply.header('Cache-Control', 'no-store');
    const session = await this.sessions.current(req);
    return {
      user: { id: user.id, email: user.email, name: user.displayName },
      csrf_token: this.sessions.csrfFor(req, reply, session),
    };
  }
}
