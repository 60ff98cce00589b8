import { http, type HttpResult } from './http';

/**
 * A minimal browser for server-rendered flows: keeps cookies per origin-less jar, follows nothing on its
 * own (tests assert each redirect), and reads hidden form fields out of pages.
 */
export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  private absolute(url: string): string {
    return url.startsWith('http') ? url : `${this.base}${url}`;
  }

  private store(result: HttpResult): HttpResult {
    for (const line of result.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (attrs.some((a) => /max-age=0/i.test(a.trim())) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return result;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<HttpResult> {
    return this.store(await http(this.absolute(url), { headers: { cookie: this.cookieHeader, ...headers } }));
  }

  async post(
    url: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<HttpResult> {
    return this.store(
      await http(this.absolute(url), {
        method: 'POST',
        form,
        headers: { cookie: this.cookieHeader, ...headers },
      }),
    );
  }

  /** Submits the page's first form with its hidden fields plus `fields`. */
  async submit(page: HttpResult, fields: Record<string, string> = {}): Promise<HttpResult> {
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(page.text);
    if (!form) throw new Error(`no form on the page:\n${page.text.slice(0, 500)}`);
    return this.post(decode(form[1]), { ...hiddenFields(form[2]), ...fields });
  }
}

function decode(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g)) {
    fields[decode(m[1])] = decode(m[2]);
  }
  return fields;
}
