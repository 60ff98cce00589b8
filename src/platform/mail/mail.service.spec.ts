import { Logger } from '@nestjs/common';

import { loadConfig } from '../../config/app-config';
import { MailService, maskAddress } from './mail.service';
import { DevOutbox } from './outbox';
import { templates } from './templates';

describe('MailService (log transport)', () => {
  const content = templates.passwordReset('http://localhost:3000/auth/password/reset?token=abc', 1800);

  function logged(env: Record<string, string>): { lines: string[]; outbox: DevOutbox } {
    const lines: string[] = [];
    jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => {
      lines.push(String(message));
    });
    const outbox = new DevOutbox();
    new MailService(loadConfig(env), outbox).send('alice@example.com', content);
    return { lines, outbox };
  }

  afterEach(() => jest.restoreAllMocks());

  it('outside production: one line with the subject and link, and the mail in the dev outbox', () => {
    const { lines, outbox } = logged({});
    expect(lines).toEqual([
      'mail to a***@example.com: "Reset your password" http://localhost:3000/auth/password/reset?token=abc',
    ]);
    expect(outbox.list()).toEqual([
      expect.objectContaining({
        to: 'alice@example.com',
        subject: 'Reset your password',
        link: content.link,
      }),
    ]);
  });

  it('in production (MAIL_TRANSPORT=log): the link is withheld and nothing is kept', () => {
    const { lines, outbox } = logged({
      NODE_ENV: 'production',
      APP_SECRET: 'k'.repeat(32),
      DATABASE_URL: 'postgres://db/x',
      MAIL_TRANSPORT: 'log',
    });
    expect(lines).toEqual(['mail to a***@example.com: "Reset your password" (link withheld in production)']);
    expect(outbox.list()).toEqual([]);
  });

  it('templates: plain text and HTML say the same, the HTML escapes what it shows', () => {
    const mail = templates.emailChangeRequested('<b>x</b>@example.com');
    expect(mail.text).toContain('<b>x</b>@example.com');
    expect(mail.html).toContain('&lt;b&gt;x&lt;/b&gt;@example.com');
    expect(maskAddress('bob@example.org')).toBe('b***@example.org');
  });
});
