import Fastify from 'fastify';

import { hstsEnabled, registerSecurityHeaders, securityHeaders } from './security-headers';

describe('security headers', () => {
  it('enables HSTS for an https issuer or behind a TLS-terminating proxy only', () => {
    expect(hstsEnabled({ issuer: 'https://id.example.com', trustProxy: false })).toBe(true);
    expect(hstsEnabled({ issuer: 'http://localhost:3000', trustProxy: true })).toBe(true);
    expect(hstsEnabled({ issuer: 'http://localhost:3000', trustProxy: false })).toBe(false);
    expect(securityHeaders({ hsts: false })).not.toHaveProperty('strict-transport-security');
    expect(securityHeaders({ hsts: true })['strict-transport-security']).toBe(
      'max-age=31536000; includeSubDomains',
    );
  });

  it('sets them on every reply and lets a handler override one', async () => {
    const fastify = Fastify();
    registerSecurityHeaders(fastify, { issuer: 'https://id.example.com', trustProxy: false });
    fastify.get('/json', (_req, reply) => reply.send({ ok: true }));
    fastify.get('/page', (_req, reply) =>
      reply
        .header('Content-Security-Policy', "default-src 'self'")
        .header('X-Frame-Options', 'DENY')
        .send('<p>'),
    );
    const json = await fastify.inject('/json');
    const page = await fastify.inject('/page');
    const missing = await fastify.inject('/nope');
    await fastify.close();

    const expected = securityHeaders({ hsts: true });
    for (const [name, value] of Object.entries(expected)) {
      expect(json.headers[name]).toBe(value);
      expect(missing.headers[name]).toBe(value);
    }
    expect(page.headers['content-security-policy']).toBe("default-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });
});
