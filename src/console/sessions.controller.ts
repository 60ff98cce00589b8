import { Get, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { QueryText } from '../platform/forms/form';
import { seeOther, sendPage } from '../platform/web/html';
import { SignInReturnsTo } from '../platform/web/page.decorator';
import { AccountSessions } from '../sessions/account-sessions.service';
import { ConsoleNotFound } from './console.errors';
import { ConsolePages } from './console-pages.decorator';
import { type ConsoleContext, ConsoleUser } from './console-user';
import { sessionsPage } from './views/sessions.view';

const NOTICES: Record<string, string> = {
  ended: 'Signed out. That browser has to sign in again.',
  others: 'Signed out everywhere else. Only this browser is still signed in.',
};

const HANDLE = /^[A-Za-z0-9_-]{22}$/;

/** The user's live sessions: browser, IP, when, last seen; sign out one, or all the others. */
@ConsolePages('sessions')
export class ConsoleSessionsController {
  constructor(private readonly sessions: AccountSessions) {}

  @Get()
  async list(
    @ConsoleUser() ctx: ConsoleContext,
    @QueryText('notice') notice: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const sessions = await this.sessions.list(ctx.user.id, ctx.sessionId);
    return sendPage(reply, sessionsPage(ctx, sessions, Date.now(), NOTICES[notice ?? '']));
  }

  @Post('end-others')
  @SignInReturnsTo('/console/sessions')
  async endOthers(@ConsoleUser() ctx: ConsoleContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    await this.sessions.endOthers(ctx.user.id, ctx.sessionId);
    return seeOther(reply, '/console/sessions?notice=others');
  }

  @Post(':handle/end')
  @SignInReturnsTo('/console/sessions')
  async end(
    @ConsoleUser() ctx: ConsoleContext,
    @Param('handle') handle: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    if (!HANDLE.test(handle) || !(await this.sessions.end(ctx.user.id, handle))) {
      throw new ConsoleNotFound('session');
    }
    return seeOther(reply, '/console/sessions?notice=ended');
  }
}
