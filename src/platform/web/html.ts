import type { FastifyReply } from 'fastify';

/**
 * Server-rendered pages without a template engine: a tagged template that escapes every interpolated
 * value unless it is already `Html`. Type-checked, no template files to load, and XSS-safe by default.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

type Part = Html | string | number | boolean | null | undefined | Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return new Html(out);
}

/** Headers every HTML page carries: no framing (clickjacking), no referrer leaks, no inline script. */
export const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
} as const;

export function layout(
  title: string,
  body: Html,
  options: { wide?: boolean; script?: string; extraScript?: string } = {},
): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · iiniit</title>
        <link rel="stylesheet" href="/assets/app.css" />
        ${options.script ? html`<script src="${options.script}" defer></script>` : ''}
        ${options.extraScript ? html`<script src="${options.extraScript}" defer></script>` : ''}
      </head>
      <body>
        <main class="${options.wide ? 'card wide' : 'card'}">
          <p class="brand">iiniit</p>
          ${body}
        </main>
      </body>
    </html>`;
}

export function sendPage(reply: FastifyReply, page: Html, status = 200): FastifyReply {
  return reply.status(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(page.value);
}

/** Post/Redirect/Get: 303 makes the browser GET the result, so a reload never posts twice. */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.status(303).header('Location', location).header('Cache-Control', 'no-store').send();
}
