import { Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { RecentFactor, stepUpPath } from '../auth/mfa/recent-factor';
import { fieldErrors } from '../platform/forms/field-errors';
import { FormBody, type SubmittedForm } from '../platform/forms/form-body';
import { requestMeta } from '../platform/http/request-meta';
import { seeOther, sendPage } from '../platform/web/html';
import { SignInReturnsTo } from '../platform/web/page.decorator';
import { SessionsService } from '../sessions/sessions.service';
import { AccountDeletion } from '../users/account/account-deletion.service';
import { AccountExport } from '../users/account/account-export.service';
import { DeleteAccountForm } from './account.dto';
import { ConsoleNotFound } from './console.errors';
import { ConsolePages } from './console-pages.decorator';
import { type ConsoleContext, ConsoleUser } from './console-user';
import { accountDeletedPage, deleteAccountPage } from './views/account.view';

/** "Download my data" and "Delete account". */
@ConsolePages('account')
export class ConsoleAccountController {
  constructor(
    private readonly exporter: AccountExport,
    private readonly deletion: AccountDeletion,
    private readonly sessions: SessionsService,
    private readonly recent: RecentFactor,
  ) {}

  @Get('export')
  async export(
    @ConsoleUser() ctx: ConsoleContext,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const data = await this.exporter.export(ctx.user.id, ctx.sessionId, requestMeta(req));
    if (!data) throw new ConsoleNotFound('account');
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .status(200)
      .header('Content-Type', 'application/json; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="iiniit-account-${day}.json"`)
      .header('Cache-Control', 'no-store')
      .send(JSON.stringify(data, null, 2));
  }

  @Get('delete')
  confirm(@ConsoleUser() ctx: ConsoleContext, @Res() reply: FastifyReply): FastifyReply {
    return sendPage(reply, deleteAccountPage(ctx));
  }

  @Post('delete')
  @SignInReturnsTo('/console/account/delete')
  async delete(
    @ConsoleUser() ctx: ConsoleContext,
    @FormBody(DeleteAccountForm) form: SubmittedForm<DeleteAccountForm>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    // Deleting the account is past undoing: with a second factor, it must have been proven recently.
    if (!(await this.recent.satisfied(req, ctx.user.id))) {
      return seeOther(reply, stepUpPath('/console/account/delete'));
    }
    try {
      await this.deletion.delete(ctx.user.id, form.values.password);
    } catch (error) {
      const fields = fieldErrors(error, form.fields);
      if (!fields) throw error;
      return sendPage(reply, deleteAccountPage(ctx, fields), 400);
    }
    await this.sessions.end(req, reply);
    return sendPage(reply, accountDeletedPage());
  }
}
