import type { FastifyRequest } from 'fastify';

export interface BasicCredentials {
  id: string;
  secret: string;
}

/** RFC 6749 §2.3.1 + Appendix B: Basic credentials are form-urlencoded before base64. */
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function parse(header: string): BasicCredentials | null {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(header.trim());
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  return id && secret !== undefined ? { id, secret } : null;
}

/** Parsed once per request: the rate limiter and client authentication both read it. */
const parsed = new WeakMap<FastifyRequest, BasicCredentials | null | undefined>();

/**
 * HTTP Basic client credentials (RFC 6749 §2.3.1, RFC 7617) of a request: undefined when the request
 * does not use the Basic scheme, null when it does but the credentials are malformed.
 */
export function basicCredentials(request: FastifyRequest): BasicCredentials | null | undefined {
  if (parsed.has(request)) return parsed.get(request);
  const header = request.headers.authorization;
  const result = typeof header === 'string' && /^basic /i.test(header) ? parse(header) : undefined;
  parsed.set(request, result);
  return result;
}
