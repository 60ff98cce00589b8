import { Controller, Get, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { ClientsService } from '../clients/clients.service';
import { Public } from '../platform/auth/decorators';
import { sendPage } from '../platform/web/html';
import { AuthorizationsService } from '../tokens/authorizations/authorizations.service';
import { ConsoleAuth } from './console-auth';
import { SecurityActivity } from './security-activity.service';
import { homePage } from './views/home.view';
import { securityPage } from './views/security.view';

/** Console home (the next step for a new developer) and the security activity page. */
@Controller('console')
@Public() // Pages check the session themselves: signed out → the login page, not a JSON 401.
export class ConsoleHomeController {
  constructor(
    private readonly auth: ConsoleAuth,
    private readonly clients: ClientsService,
    private readonly keys: ApiKeysService,
    private readonly grants: AuthorizationsService,
    private readonly activity: SecurityActivity,
  ) {}

  @Get()
  async home(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const ctx = await this.auth.require(req, reply);
    const [apps, keys, grants] = await Promise.all([
      this.clients.listOwned(ctx.user.id),
      this.keys.list(ctx.user.id),
      this.grants.listForUser(ctx.user.id),
    ]);
    return sendPage(reply, homePage(ctx, { apps, keys, authorizedApps: grants.length, now: Date.now() }));
  }

  @Get('security')
  async security(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const ctx = await this.auth.require(req, reply);
    const [signIns, events] = await Promise.all([
      this.activity.signIns(ctx.user.id, ctx.session.idHash),
      this.activity.events(ctx.user.id),
    ]);
    return sendPage(reply, securityPage(ctx, signIns, events, Date.now()));
  }
}
