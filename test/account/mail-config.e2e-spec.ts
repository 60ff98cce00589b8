import { runTs } from '../support/cli';

describe('mail in production', () => {
  const production = {
    NODE_ENV: 'production',
    APP_SECRET: 'p'.repeat(40),
    DATABASE_URL: process.env.DATABASE_URL,
  };

  it('refuses to start without SMTP_URL unless MAIL_TRANSPORT=log', async () => {
    const res = await runTs(
      'src/main.ts',
      [],
      { ...production, PORT: '0', SMTP_URL: '', MAIL_TRANSPORT: '' },
      30_000,
    );
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe(
      'config: SMTP_URL must be set in production (or set MAIL_TRANSPORT=log to only log mails, links withheld)',
    );
  });
});
