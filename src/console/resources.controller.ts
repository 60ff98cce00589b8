import { Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { sendPage } from '../platform/web/html';
import { ResourcesService } from '../resources/resources.service';
import { ConsolePages } from './console-pages.decorator';
import { type ConsoleContext, ConsoleUser } from './console-user';
import { resourcesPage } from './views/resources.view';

/** The resource registry, read-only: developers see which audiences their apps may request. */
@ConsolePages('resources')
export class ConsoleResourcesController {
  constructor(private readonly resources: ResourcesService) {}

  @Get()
  async list(@ConsoleUser() ctx: ConsoleContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return sendPage(reply, resourcesPage(ctx, await this.resources.list()));
  }
}
