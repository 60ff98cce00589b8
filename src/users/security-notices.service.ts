import { Injectable } from '@nestjs/common';

import { MailService } from '../platform/mail/mail.service';
import { templates } from '../platform/mail/templates';
import { UsersService } from './users.service';

/**
 * Security notifications by mail (OWASP ASVS V2.2.3: notify after credential changes): the account's
 * owner learns of a change they may not have made. Fire and forget: a notice never fails the change.
 */
@Injectable()
export class SecurityNotices {
  constructor(
    private readonly users: UsersService,
    private readonly mail: MailService,
  ) {}

  async apiKeyCreated(userId: string, name: string, prefix: string): Promise<void> {
    const user = await this.users.findById(userId);
    if (user) this.mail.send(user.email, templates.apiKeyCreated(name, prefix));
  }

  passwordChanged(email: string, how: 'reset' | 'changed'): void {
    this.mail.send(email, templates.passwordChanged(how));
  }

  emailChangeRequested(oldEmail: string, newEmail: string): void {
    this.mail.send(oldEmail, templates.emailChangeRequested(newEmail));
  }

  emailChanged(oldEmail: string, newEmail: string): void {
    this.mail.send(oldEmail, templates.emailChanged(newEmail));
  }

  accountDeleted(email: string): void {
    this.mail.send(email, templates.accountDeleted());
  }
}
