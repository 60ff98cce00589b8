import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { Public } from '../platform/auth/decorators';
import { HiddenFromApiDocs } from '../platform/http/api-docs';

/** `/` is the console: people who open the server in a browser are developers. */
@HiddenFromApiDocs() // Browser pages, not API: kept out of the OpenAPI reference.
@Controller()
@Public()
export class RootController {
  @Get()
  root(@Res() reply: FastifyReply): FastifyReply {
    return reply.status(302).header('Location', '/console').header('Cache-Control', 'no-store').send();
  }
}
