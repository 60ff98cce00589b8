import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientsService } from '../clients/clients.service';
import { Public } from '../platform/auth/decorators';
import { NotFound } from '../platform/errors/api-error';
import { requestMeta } from '../platform/http/request-meta';
import { sendPage } from '../platform/web/html';
import { AuthorizationsService } from '../tokens/authorizations/authorizations.service';
import { ConsoleAuth, seeOther } from './console-auth';
import { ConsoleNotFound } from './console.errors';
import { isUuid, queryParam } from '../platform/forms/form';
import { authorizedAppsPage, type AuthorizedAppRow } from './views/authorized-apps.view';

const NOTICES: Record<string, string> = {
  revoked: 'Access revoked. The app’s tokens stopped working; it would have to ask you again.',
};

/** The apps this user allowed into their account; revoking one kills its whole token family at once. */
@Controller('console/authorized-apps')
@Public() // Pages check the session themselves: signed out → the login page, not a JSON 401.
export class ConsoleAuthorizedAppsController {
  constructor(
    private readonly auth: ConsoleAuth,
    private readonly grants: AuthorizationsService,
    private readonly clients: ClientsService,
  ) {}

  @Get()
  async list(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const ctx = await this.auth.require(req, reply);
    const grants = await this.grants.listForUser(ctx.user.id);
    const rows: AuthorizedAppRow[] = await Promise.all(
      grants.map(async (g) => {
        const client = await this.clients.findActive(g.clientId);
        return {
          grantId: g.id,
          appName: client?.name ?? g.clientId,
          appExists: client !== null,
          scopes: g.scopes,
          authorizedAt: g.createdAt,
          updatedAt: g.updatedAt,
        };
      }),
    );
    const message = NOTICES[queryParam(req.query, 'notice') ?? ''];
    return sendPage(reply, authorizedAppsPage(ctx, rows, Date.now(), message));
  }

  @Post(':id/revoke')
  async revoke(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const { ctx } = await this.auth.requireForm(req, reply, '/console/authorized-apps');
    if (!isUuid(id)) throw new ConsoleNotFound('authorization');
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
