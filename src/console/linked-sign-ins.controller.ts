import { Get, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { LinkedSignIns } from '../auth/idp/linked-sign-ins.service';
import { LINKED_SIGN_INS, UpstreamFlow } from '../auth/idp/upstream-flow';
import { QueryText } from '../platform/forms/form';
import { UuidParamPipe } from '../platform/forms/uuid-param.pipe';
import { requestMeta } from '../platform/http/request-meta';
import { seeOther, sendPage } from '../platform/web/html';
import { SignInReturnsTo } from '../platform/web/page.decorator';
import { ConsoleNotFound } from './console.errors';
import { ConsolePages } from './console-pages.decorator';
import { type ConsoleContext, ConsoleUser } from './console-user';
import { linkedSignInsPage } from './views/linked-sign-ins.view';

const NOTICES: Record<string, string> = {
  linked: 'Linked. You can now sign in with it.',
  unlinked: 'Unlinked. It can no longer sign you in.',
};

const SLUG = /^[a-z0-9-]{1,40}$/;

/**
 * Upstream identities linked to this account. Linking happens only here, from a signed-in session (a
 * sign-in never links by email); unlinking never removes the last way to sign in.
 */
@ConsolePages('linked-sign-ins')
export class ConsoleLinkedSignInsController {
  constructor(
    private readonly linked: LinkedSignIns,
    private readonly flow: UpstreamFlow,
  ) {}

  @Get()
  async list(
    @ConsoleUser() ctx: ConsoleContext,
    @QueryText('notice') notice: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const view = await this.linked.view(ctx.user.id);
    return sendPage(reply, linkedSignInsPage(ctx, view, Date.now(), NOTICES[notice ?? '']));
  }

  @Post(':slug/link')
  @SignInReturnsTo(LINKED_SIGN_INS)
  async link(
    @ConsoleUser() ctx: ConsoleContext,
    @Param('slug') slug: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    if (!SLUG.test(slug)) throw new ConsoleNotFound('provider');
    return this.flow.start(req, reply, slug, LINKED_SIGN_INS, ctx.user.id);
  }

  @Post(':id/unlink')
  @SignInReturnsTo(LINKED_SIGN_INS)
  async unlink(
    @ConsoleUser() ctx: ConsoleContext,
    @Param('id', UuidParamPipe) id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    await this.linked.unlink(ctx.user.id, id, requestMeta(req));
    return seeOther(reply, `${LINKED_SIGN_INS}?notice=unlinked`);
  }
}
