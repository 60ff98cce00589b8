import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

import { isForbiddenAddress } from './address-policy';

export interface SafeFetchOptions {
  maxBytes: number;
  timeoutMs: number;
  /** Private, loopback and link-local addresses allowed (tests and local development only). */
  allowPrivate: boolean;
}

export interface SafeFetchResult {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Why a fetch was refused or failed; the message is safe to show the user. */
export class SafeFetchError extends Error {}

/**
 * A DNS lookup that refuses forbidden addresses, passed to the socket itself: the address checked is
 * the address connected to, so a second resolution (DNS rebinding) cannot slip a private one in.
 */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const allowed = addresses.filter((a) => allowPrivate || !isForbiddenAddress(a.address));
      if (allowed.length === 0 || allowed.length !== addresses.length) {
        return callback(new SafeFetchError('the host resolves to a private or reserved address'), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      return callback(null, allowed[0].address, allowed[0].family);
    });
  };
}

/**
 * GET of a URL someone else chose, made safe for a server (SSRF): no redirects followed, a total
 * deadline, a size cap counted on the wire, and no connection to private, loopback or link-local
 * addresses unless explicitly allowed.
 */
export function safeFetch(url: URL, options: SafeFetchOptions): Promise<SafeFetchResult> {
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) && !options.allowPrivate && isForbiddenAddress(literal)) {
    return Promise.reject(new SafeFetchError('the address is private or reserved'));
  }
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, result?: SafeFetchResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(result!);
    };
    const req = request(
      url,
      {
        method: 'GET',
        headers: { accept: 'application/json', 'user-agent': 'iiniit-client-metadata-fetcher' },
        lookup: guardedLookup(options.allowPrivate),
        // Each fetch on its own connection: a pooled socket could outlive the address check.
        agent: false,
      },
      (res) => {
        const declared = Number(res.headers['content-length'] ?? 0);
        if (declared > options.maxBytes) {
          res.destroy();
          return finish(new SafeFetchError(`the document is larger than ${options.maxBytes} bytes`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            res.destroy();
            finish(new SafeFetchError(`the document is larger than ${options.maxBytes} bytes`));
          } else chunks.push(chunk);
        });
        res.on('end', () =>
          finish(null, {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', (e) =>
          finish(e instanceof SafeFetchError ? e : new SafeFetchError('the fetch failed')),
        );
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish(new SafeFetchError(`no complete answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    req.on('error', (e) =>
      finish(
        e instanceof SafeFetchError
          ? e
          : new SafeFetchError(`the fetch failed (${(e as NodeJS.ErrnoException).code ?? 'error'})`),
      ),
    );
    req.end();
  });
}
