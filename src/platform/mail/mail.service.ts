import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Transporter } from 'nodemailer';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { DevOutbox } from './outbox';
import type { MailContent } from './templates';

/** Waits before each retry of a failed send: the SMTP server gets about a minute to come back. */
export const RETRY_DELAYS_MS = [1_000, 5_000, 30_000];

/** "alice@example.com" → "a***@example.com": enough to tell mails apart in a development log. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at <= 0 ? '***' : `${address[0]}***${address.slice(at)}`;
}

/**
 * Outgoing mail. `send` never throws and never makes the caller wait for SMTP: what the mail is about
 * (a stored token, a changed password) is already done, and a mail that failed after every retry is
 * logged without its content; the user can ask again ("resend", "forgot password").
 *
 * Transports: SMTP through nodemailer (SMTP_URL), or the log (one line per mail with its subject and,
 * outside production, its link; the dev outbox keeps the mail). Links carry one-time tokens, so they are
 * never logged in production.
 */
@Injectable()
export class MailService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Mail');
  private transport?: Transporter;
  private readonly pending = new Set<Promise<void>>();
  /** Retries waiting for their delay: ended at once on shutdown. */
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly outbox: DevOutbox,
  ) {}

  /** nodemailer (~0.7 MB of module source) is loaded only when mail goes over SMTP. */
  onModuleInit(): void {
    if (this.config.mail.transport === 'smtp' && this.config.mail.smtpUrl) {
      // A lazy require: see src/database/data-source.ts.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { createTransport } = require('nodemailer') as typeof import('nodemailer');
      this.transport = createTransport(this.config.mail.smtpUrl, { from: this.config.mail.from });
    }
  }

  /** Queues one mail; resolves at once. `delivered()` waits for everything queued so far. */
  send(to: string, content: MailContent): void {
    if (this.config.mail.devOutbox) {
      this.outbox.add({ to, subject: content.subject, text: content.text, link: content.link });
    }
    if (!this.transport) {
      this.logLine(to, content);
      return;
    }
    const job = this.deliver(to, content, 0).finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  /** Tests and shutdown: every queued mail delivered or given up on. */
  async delivered(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async onModuleDestroy(): Promise<void> {
    // Mails still retrying are given up: the process is going away (the action itself is stored).
    this.closed = true;
    for (const [timer, wake] of this.waits) {
      clearTimeout(timer);
      wake();
    }
    this.waits.clear();
    await this.delivered();
    this.transport?.close();
  }

  private async deliver(to: string, content: MailContent, attempt: number): Promise<void> {
    try {
      await this.transport!.sendMail({
        from: this.config.mail.from,
        to,
        subject: content.subject,
        text: content.text,
        html: content.html,
      });
    } catch (error) {
      const delay = RETRY_DELAYS_MS[attempt];
      const reason = error instanceof Error ? error.message : String(error);
      if (delay === undefined || this.closed) {
        // The subject says which flow; never the body (it may hold a one-time link).
        this.logger.error(`mail "${content.subject}" not delivered after ${attempt + 1} attempts: ${reason}`);
        return;
      }
      this.logger.warn(`mail "${content.subject}" failed (${reason}); retrying in ${delay} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waits.delete(timer);
          resolve();
        }, delay);
        timer.unref();
        this.waits.set(timer, resolve);
      });
      if (this.closed) return;
      return this.deliver(to, content, attempt + 1);
    }
  }

  private logLine(to: string, content: MailContent): void {
    const link =
      content.link === undefined
        ? ''
        : this.config.nodeEnv === 'production'
          ? ' (link withheld in production)'
          : ` ${content.link}`;
    this.logger.log(`mail to ${maskAddress(to)}: "${content.subject}"${link}`);
  }
}
