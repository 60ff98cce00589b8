import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Public } from '../../platform/auth/decorators';
import { HiddenFromApiDocs } from '../../platform/http/api-docs';
import { html, layout, sendPage } from '../../platform/web/html';
import { safeReturnTo } from '../return-to';
import { UpstreamFlow } from './upstream-flow';

const SLUG = /^[a-z0-9-]{1,40}$/;

function notFound(reply: FastifyReply): FastifyReply {
  return sendPage(
    reply,
    layout(
      'Not found',
      html`<h1>Not found</h1>
        <p><a href="/auth/login">Back to sign in</a></p>`,
    ),
    404,
  );
}

/**
 * Sign-in through an upstream provider (passport-oauth2): `/auth/idp/:slug` sends the browser there,
 * `/auth/idp/:slug/callback` takes it back. Public: they are how a browser gets a session.
 */
// Browser redirects to and from the upstream provider: not an API for clients.
@HiddenFromApiDocs()
@Controller('auth/idp')
export class IdpController {
  constructor(private readonly flow: UpstreamFlow) {}

  @Get(':slug')
  @Public()
  async start(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('slug') slug: string,
  ): Promise<FastifyReply> {
    if (!SLUG.test(slug)) return notFound(reply);
    const returnTo = (req.query as Record<string, unknown>).return_to;
    return this.flow.start(req, reply, slug, safeReturnTo(returnTo));
  }

  @Get(':slug/callback')
  @Public()
  async callback(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('slug') slug: string,
  ): Promise<FastifyReply> {
    if (!SLUG.test(slug)) return notFound(reply);
    return this.flow.callback(req, reply, slug);
  }
}
