import { Get, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ClientsService } from '../clients/clients.service';
import { NotFound } from '../platform/errors/api-error';
import { QueryText } from '../platform/forms/form';
import { UuidParamPipe } from '../platform/forms/uuid-param.pipe';
import { requestMeta } from '../platform/http/request-meta';
import { seeOther, sendPage } from '../platform/web/html';
import { SignInReturnsTo } from '../platform/web/page.decorator';
import { AuthorizationsService } from '../tokens/authorizations/authorizations.service';
import { ConsoleNotFound } from './console.errors';
import { ConsolePages } from './console-pages.decorator';
import { type ConsoleContext, ConsoleUser } from './console-user';
import { type AuthorizedAppRow, authorizedAppsPage } from './views/authorized-apps.view';

const NOTICES: Record<string, string> = {
  revoked: 'Access revoked. The app’s tokens stopped working; it would have to ask you again.',
};

/** The apps this user allowed into their account; revoking one kills its whole token family at once. */
@ConsolePages('authorized-apps')
export class ConsoleAuthorizedAppsController {
  constructor(
    private readonly grants: AuthorizationsService,
    private readonly clients: ClientsService,
  ) {}

  @Get()
  async list(
    @ConsoleUser() ctx: ConsoleContext,
    @QueryText('notice') notice: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const grants = await this.grants.listForUser(ctx.user.id);
    const rows: AuthorizedAppRow[] = await Promise.all(
      grants.map(async (g) => {
        const client = await this.clients.findActive(g.clientId);
        return {
          grantId: g.id,
          appName: client?.name ?? g.clientId,
          appExists: client !== null,
          registration: client?.registration ?? null,
          scopes: g.scopes,
          authorizedAt: g.createdAt,
          updatedAt: g.updatedAt,
        };
      }),
    );
    return sendPage(reply, authorizedAppsPage(ctx, rows, Date.now(), NOTICES[notice ?? '']));
  }

  @Post(':id/revoke')
  @SignInReturnsTo('/console/authorized-apps')
  async revoke(
    @ConsoleUser() ctx: ConsoleContext,
    @Param('id', new UuidParamPipe(() => new ConsoleNotFound('authorization'))) id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    try {
      // Codes, refresh tokens and (through the revocation feed) access tokens of this grant all stop.
      await this.grants.revokeForUser(ctx.user.id, id, requestMeta(req));
    } catch (error) {
      if (error instanceof NotFound) throw new ConsoleNotFound('authorization');
      throw error;
    }
    return seeOther(reply, '/console/authorized-apps?notice=revoked');
  }
}
