import { Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { ApiKeysService } from '../api-keys/api-keys.service';
import { ClientsService } from '../clients/clients.service';
import { sendPage } from '../platform/web/html';
import { SignInHistory } from '../sessions/sign-in-history.service';
import { AuthorizationsService } from '../tokens/authorizations/authorizations.service';
import { ConsolePages } from './console-pages.decorator';
import { type ConsoleContext, ConsoleUser } from './console-user';
import { SecurityActivity } from './security-activity.service';
import { homePage } from './views/home.view';
import { securityPage } from './views/security.view';

/** Console home (the next step for a new developer) and the security activity page. */
@ConsolePages()
export class ConsoleHomeController {
  constructor(
    private readonly clients: ClientsService,
    private readonly keys: ApiKeysService,
    private readonly grants: AuthorizationsService,
    private readonly signIns: SignInHistory,
    private readonly activity: SecurityActivity,
  ) {}

  @Get()
  async home(@ConsoleUser() ctx: ConsoleContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const [apps, keys, grants] = await Promise.all([
      this.clients.listOwned(ctx.user.id),
      this.keys.list(ctx.user.id),
      this.grants.listForUser(ctx.user.id),
    ]);
    return sendPage(reply, homePage(ctx, { apps, keys, authorizedApps: grants.length, now: Date.now() }));
  }

  @Get('security')
  async security(@ConsoleUser() ctx: ConsoleContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const [signIns, events] = await Promise.all([
      this.signIns.recent(ctx.user.id, ctx.sessionId),
      this.activity.events(ctx.user.id),
    ]);
    return sendPage(reply, securityPage(ctx, signIns, events, Date.now()));
  }
}
