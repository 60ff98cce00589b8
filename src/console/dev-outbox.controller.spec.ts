import type { FastifyReply } from 'fastify';

import { loadConfig } from '../config/app-config';
import { DevOutbox } from '../platform/mail/outbox';
import { ConsoleNotFound } from './console.errors';
import { DevOutboxController } from './dev-outbox.controller';

describe('DevOutboxController', () => {
  const reply = () => {
    const r = { status: jest.fn(), headers: jest.fn(), type: jest.fn(), send: jest.fn() };
    for (const fn of [r.status, r.headers, r.type, r.send]) fn.mockReturnValue(r);
    return r;
  };

  it('shows the mails outside production', () => {
    const outbox = new DevOutbox();
    outbox.add({ to: 'ada@example.com', subject: 'Reset your password', text: 'x', link: 'http://l/x' });
    const r = reply();
    new DevOutboxController(loadConfig({}), outbox).show(r as unknown as FastifyReply);
    expect(r.status).toHaveBeenCalledWith(200);
    expect(String(r.send.mock.calls[0][0])).toContain('Reset your password');
  });

  it('does not exist in production', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      APP_SECRET: 'p'.repeat(40),
      DATABASE_URL: 'postgres://db/x',
      MAIL_TRANSPORT: 'log',
    });
    const r = reply();
    expect(() => new DevOutboxController(config, new DevOutbox()).show(r as unknown as FastifyReply)).toThrow(
      ConsoleNotFound,
    );
  });
});
