import { Global, Module } from '@nestjs/common';

import { MailService } from './mail.service';
import { DevOutbox } from './outbox';

/** Outgoing mail for every feature (global, like the audit log): SMTP, or the log and dev outbox. */
@Global()
@Module({
  providers: [MailService, DevOutbox],
  exports: [MailService, DevOutbox],
})
export class MailModule {}
