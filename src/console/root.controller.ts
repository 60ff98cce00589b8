import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../platform/auth/decorators';

/** `/` is the console: people who open the server in a browser are developers. */
@Controller()
@Public()
export class RootController {
  @Get()
  root(@Res() reply: FastifyReply): FastifyReply {
    return reply.status(302).header('Location', '/console').header('Cache-Control', 'no-store').send();
  }
}
