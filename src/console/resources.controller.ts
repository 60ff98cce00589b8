import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { Accepts } from '../platform/auth/decorators';
import { sendPage } from '../platform/web/html';
import { Page } from '../platform/web/page.decorator';
import { ResourcesService } from '../resources/resources.service';
import { CONSOLE_PAGE } from './console.errors';
import { type ConsoleContext, ConsoleUser } from './console-user';
import { resourcesPage } from './views/resources.view';

/** The resource registry, read-only: developers see which audiences their apps may request. */
@Controller('console/resources')
@Page(CONSOLE_PAGE)
@Accepts('session')
export class ConsoleResourcesController {
  constructor(private readonly resources: ResourcesService) {}

  @Get()
  async list(@ConsoleUser() ctx: ConsoleContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return sendPage(reply, resourcesPage(ctx, await this.resources.list()));
  }
}
