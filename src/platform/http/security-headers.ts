import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import type { AppConfig } from '../../config/app-config';

/** The JSON API's policy; HTML pages (PAGE_HEADERS) and the docs (openapi.ts) set their own per response. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none';frame-ancestors 'none'";

/** HSTS also behind a TLS-terminating proxy (TRUST_PROXY); browsers ignore it over plain http. */
export function hstsEnabled(config: Pick<AppConfig, 'issuer' | 'trustProxy'>): boolean {
  return config.issuer.startsWith('https://') || config.trustProxy;
}

/**
 * Every response's security headers, computed once at start-up. They are exactly what helmet 8 wrote
 * with our former configuration (its defaults, with CSP `default-src 'none'; frame-ancestors 'none'`,
 * `Referrer-Policy: no-referrer`, HSTS one year + subdomains when enabled), without rebuilding helmet's
 * middleware chain on every request.
 */
export function securityHeaders(options: { hsts: boolean }): Readonly<Record<string, string>> {
  return Object.freeze({
    'content-security-policy': API_CONTENT_SECURITY_POLICY,
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    ...(options.hsts ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'SAMEORIGIN',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  });
}

/**
 * Sets the security headers on the reply in one synchronous onRequest hook. A handler or a later hook
 * that sets the same header (pages' CSP and X-Frame-Options, the docs' CSP) replaces the value here.
 * Register after the CORS hook: preflights that hook answers never carried these headers.
 */
export function registerSecurityHeaders(
  fastify: FastifyInstance,
  config: Pick<AppConfig, 'issuer' | 'trustProxy'>,
): void {
  const headers = securityHeaders({ hsts: hstsEnabled(config) });
  const names = Object.keys(headers);
  const values = names.map((name) => headers[name]);
  const count = names.length;
  fastify.addHook('onRequest', (_request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    for (let i = 0; i < count; i++) reply.header(names[i], values[i]);
    done();
  });
}
