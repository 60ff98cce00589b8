import { Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { fieldErrors } from '../platform/forms/field-errors';
import { QueryText } from '../platform/forms/form';
import { FormBody, type SubmittedForm } from '../platform/forms/form-body';
import { requestMeta } from '../platform/http/request-meta';
import { seeOther, sendPage } from '../platform/web/html';
import { SignInReturnsTo } from '../platform/web/page.decorator';
import { EmailVerification } from '../users/account/email-verification.service';
import { Profile } from '../users/account/profile.service';
import { AccountTokensService } from '../users/account-tokens.service';
import { UsersService } from '../users/users.service';
import { EmailForm, NameForm, PasswordForm } from './account.dto';
import { ConsolePages } from './console-pages.decorator';
import { type ConsoleContext, ConsoleUser } from './console-user';
import { profilePage, type ProfileView } from './views/profile.view';

const NOTICES: Record<string, string> = {
  name: 'Name saved.',
  email: 'Almost done: follow the link we sent to your new address. Your email changes when you do.',
  password: 'Password changed. Your other sessions were signed out.',
  verification: 'We sent the link again. It works once; older links stop working.',
};

/** The signed-in user's profile: name, email (through verification), password. */
@ConsolePages('profile')
export class ConsoleProfileController {
  constructor(
    private readonly profile: Profile,
    private readonly verification: EmailVerification,
    private readonly tokens: AccountTokensService,
    private readonly users: UsersService,
  ) {}

  @Get()
  async show(
    @ConsoleUser() ctx: ConsoleContext,
    @QueryText('notice') notice: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    return this.page(reply, ctx, { message: NOTICES[notice ?? ''] });
  }

  @Post('name')
  @SignInReturnsTo('/console/profile')
  async rename(
    @ConsoleUser() ctx: ConsoleContext,
    @FormBody(NameForm) form: SubmittedForm<NameForm>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    try {
      await this.profile.rename(ctx.user.id, form.values.name, requestMeta(req));
    } catch (error) {
      const fields = fieldErrors(error, form.fields);
      if (!fields) throw error;
      return this.page(
        reply,
        ctx,
        { errors: { form: 'name', fields }, values: { name: form.values.name } },
        400,
      );
    }
    return seeOther(reply, '/console/profile?notice=name');
  }

  @Post('email')
  @SignInReturnsTo('/console/profile')
  async changeEmail(
    @ConsoleUser() ctx: ConsoleContext,
    @FormBody(EmailForm) form: SubmittedForm<EmailForm>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const v = form.values;
    try {
      if (!(await this.users.verifyPassword(ctx.user.id, v.current_password))) {
        const fields = { current_password: 'Current password is not your current password.' };
        return this.page(reply, ctx, { errors: { form: 'email', fields }, values: { email: v.email } }, 400);
      }
      await this.profile.changeEmail(ctx.user.id, v.email, requestMeta(req));
    } catch (error) {
      const fields = fieldErrors(error, form.fields);
      if (!fields) {
        // Another account has the address: say it next to the field (the form is for a signed-in owner).
        if ((error as { status?: number }).status === 409) {
          return this.page(
            reply,
            ctx,
            {
              errors: { form: 'email', fields: { email: 'Another account uses this email address.' } },
              values: { email: v.email },
            },
            409,
          );
        }
        throw error;
      }
      return this.page(reply, ctx, { errors: { form: 'email', fields }, values: { email: v.email } }, 400);
    }
    return seeOther(reply, '/console/profile?notice=email');
  }

  @Post('password')
  @SignInReturnsTo('/console/profile')
  async changePassword(
    @ConsoleUser() ctx: ConsoleContext,
    @FormBody(PasswordForm) form: SubmittedForm<PasswordForm>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const v = form.values;
    try {
      await this.profile.changePassword(
        ctx.user.id,
        v.current_password,
        v.new_password,
        ctx.sessionId,
        requestMeta(req),
      );
    } catch (error) {
      const fields = fieldErrors(error, form.fields, { password: 'new_password' });
      if (!fields) throw error;
      return this.page(reply, ctx, { errors: { form: 'password', fields } }, 400);
    }
    return seeOther(reply, '/console/profile?notice=password');
  }

  @Post('verification')
  @SignInReturnsTo('/console/profile')
  async resend(
    @ConsoleUser() ctx: ConsoleContext,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    await this.verification.resend(ctx.user.id, requestMeta(req));
    return seeOther(reply, '/console/profile?notice=verification');
  }

  private async page(
    reply: FastifyReply,
    ctx: ConsoleContext,
    v: Omit<ProfileView, 'pendingEmail'>,
    status = 200,
  ): Promise<FastifyReply> {
    const pendingEmail = await this.tokens.pendingEmail(ctx.user.id, ctx.user.email);
    return sendPage(reply, profilePage(ctx, { ...v, pendingEmail }), status);
  }
}
