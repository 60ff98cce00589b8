import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Public } from '../platform/auth/decorators';
import { DevOutbox } from '../platform/mail/outbox';
import { sendPage } from '../platform/web/html';
import { Page } from '../platform/web/page.decorator';
import { CONSOLE_PAGE, ConsoleNotFound } from './console.errors';
import { outboxPage } from './views/outbox.view';

/**
 * Development only: the mails sent, so a reset link can be followed without a mail server. Public, as the
 * person who forgot a password is not signed in; in production it does not exist (404).
 */
@Controller('console/dev/outbox')
@Page(CONSOLE_PAGE)
export class DevOutboxController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly outbox: DevOutbox,
  ) {}

  @Get()
  @Public()
  show(@Res() reply: FastifyReply): FastifyReply {
    if (!this.config.mail.devOutbox) throw new ConsoleNotFound('page');
    return sendPage(reply, outboxPage(this.outbox.list()));
  }
}
