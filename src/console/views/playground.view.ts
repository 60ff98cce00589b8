import { type Html, html } from '../../platform/web/html';
import type { ConsoleContext } from '../console-user';
import { shellQuote } from '../snippets';
import { consolePage } from './shell';

export interface PlaygroundView {
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
  errorDescription?: string;
  /** Only for an app the signed-in developer owns: the exact token request to finish the flow. */
  exchange?: { clientId: string; redirectUri: string; codeVerifier?: string };
}

export function tokenCurl(issuer: string, code: string, x: NonNullable<PlaygroundView['exchange']>): string {
  return [
    `curl -s -u ${shellQuote(x.clientId)}:"$CLIENT_SECRET" ${issuer}/oauth2/token`,
    '  -d grant_type=authorization_code',
    `  -d code=${shellQuote(code)}`,
    `  -d redirect_uri=${shellQuote(x.redirectUri)}`,
    `  -d code_verifier=${x.codeVerifier ? shellQuote(x.codeVerifier) : '"$CODE_VERIFIER"'}`,
  ].join(' \\\n');
}

/** The redirect target of the demo app: what came back from /oauth2/authorize, and the next step. */
export function playgroundPage(ctx: ConsoleContext, v: PlaygroundView): Html {
  const rows: Array<[string, string | undefined]> = [
    ['code', v.code],
    ['state', v.state],
    ['iss', v.iss],
    ['error', v.error],
    ['error_description', v.errorDescription],
  ];
  const received = rows.filter((r): r is [string, string] => typeof r[1] === 'string');
  return consolePage(
    ctx,
    null,
    'OAuth playground',
    html`<h1>OAuth playground</h1>
      ${
        received.length === 0
          ? html`<p>
              Nothing received yet. Open the authorize URL printed when the server started; after sign-in and
              consent the browser comes back here with a <code>code</code>.
            </p>`
          : html`<h2>Received</h2>
              <dl class="kv">
                ${received.map(
                  ([k, value]) =>
                    html`<dt>${k}</dt>
                      <dd><code>${value}</code></dd>`,
                )}
              </dl>`
      }
      ${
        v.code && v.exchange
          ? html`<h2>Exchange the code</h2>
              <p>
                Codes are single-use and expire in minutes. Set <code>CLIENT_SECRET</code> to the secret
                printed with the demo data (or rotate it on the app page), then run:
              </p>
              <pre><code>${tokenCurl(ctx.issuer, v.code, v.exchange)}</code></pre>`
          : ''
      }
      ${
        v.code && !v.exchange
          ? html`<p class="muted">
              This code was issued to an app that is not yours, or to a flow this server did not start;
              exchange it with that app's credentials.
            </p>`
          : ''
      }`,
  );
}
