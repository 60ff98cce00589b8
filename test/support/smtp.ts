import type { AddressInfo } from 'node:net';

import { SMTPServer } from 'smtp-server';

/** One message as the SMTP server received it, decoded enough to read. */
export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  raw: string;
}

export interface TestSmtp {
  /** For SMTP_URL. */
  url: string;
  mails: ReceivedMail[];
  /** Mails to this address so far (case-insensitive). */
  to(address: string): ReceivedMail[];
  /** Waits for the `nth` (0-based) mail to `address` whose subject contains `subject`. */
  waitFor(address: string, subject: string, nth?: number, timeoutMs?: number): Promise<ReceivedMail>;
  /** The next `count` messages are refused with a temporary failure (451). */
  failNext(count: number): void;
  close(): Promise<void>;
}

function decodeQuotedPrintable(body: string): string {
  const soft = body.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodePart(headers: string, body: string): string {
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

function splitHead(message: string): [string, string] {
  const at = message.search(/\r?\n\r?\n/);
  if (at < 0) return [message, ''];
  const sep = /\r?\n\r?\n/.exec(message.slice(at))![0];
  return [message.slice(0, at), message.slice(at + sep.length)];
}

function decodeHeaderWords(value: string): string {
  return value.replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, kind: string, text: string) =>
    kind.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64').toString('utf8')
      : decodeQuotedPrintable(text.replace(/_/g, ' ')),
  );
}

/** Enough MIME for our own mails: one multipart/alternative with a text and an HTML part. */
export function parseMail(raw: string, from: string, to: string[]): ReceivedMail {
  const [head, body] = splitHead(raw);
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const subject = decodeHeaderWords(/^subject:\s*(.*)$/im.exec(unfolded)?.[1] ?? '');
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(unfolded)?.[1];
  let text = '';
  let html = '';
  if (boundary) {
    for (const part of body.split(`--${boundary}`)) {
      const [partHead, partBody] = splitHead(part.replace(/^\r?\n/, ''));
      if (/content-type:\s*text\/plain/i.test(partHead)) text = decodePart(partHead, partBody);
      else if (/content-type:\s*text\/html/i.test(partHead)) html = decodePart(partHead, partBody);
    }
  } else {
    text = decodePart(unfolded, body);
  }
  return { from, to, subject, text, html, raw };
}

/** The first http(s) link in a mail's text. */
export function linkIn(mail: ReceivedMail): string {
  const match = /https?:\/\/\S+/.exec(mail.text);
  if (!match) throw new Error(`no link in mail "${mail.subject}":\n${mail.text}`);
  return match[0];
}

/** A real SMTP server in this process (plain SMTP, no auth required), collecting what it receives. */
export async function startSmtp(): Promise<TestSmtp> {
  const mails: ReceivedMail[] = [];
  let failures = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failures > 0) {
          failures--;
          const error = new Error('try again later') as Error & { responseCode: number };
          error.responseCode = 451;
          return callback(error);
        }
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const to = session.envelope.rcptTo.map((r) => r.address);
        mails.push(parseMail(Buffer.concat(chunks).toString('utf8'), from, to));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const to = (address: string) =>
    mails.filter((m) => m.to.some((t) => t.toLowerCase() === address.toLowerCase()));
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    to,
    async waitFor(address, subject, nth = 0, timeoutMs = 10_000) {
      const start = Date.now();
      for (;;) {
        const found = to(address).filter((m) => m.subject.includes(subject))[nth];
        if (found) return found;
        if (Date.now() - start > timeoutMs) {
          throw new Error(`no mail "${subject}" to ${address} within ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    failNext(count) {
      failures = count;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
