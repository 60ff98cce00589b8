import type { FastifyReply, FastifyRequest } from 'fastify';

// Kept over @fastify/cookie: its onRequest + onSend hooks cost +5.0 to +6.7 µs CPU on every request (44.6 → 51.3).
/**
 * Minimal RFC 6265 cookie handling: name=value parsing and a fixed, safe attribute set; our cookie values
 * are base64url (no encoding questions).
 */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  maxAge?: number;
  secure: boolean;
  path?: string;
  sameSite?: 'Lax' | 'Strict';
}

const SAFE_VALUE = /^[A-Za-z0-9._~-]*$/;

export function setCookie(reply: FastifyReply, name: string, value: string, options: CookieOptions): void {
  // Values are ours (base64url ids); refuse anything that could smuggle attributes or CR/LF.
  if (!SAFE_VALUE.test(value)) throw new Error('unsafe cookie value');
  const parts = [
    `${name}=${value}`,
    `Path=${options.path ?? '/'}`,
    'HttpOnly',
    `SameSite=${options.sameSite ?? 'Lax'}`,
  ];
  if (options.secure) parts.push('Secure');
  if (options.maxAge !== undefined) parts.push(`Max-Age=${Math.floor(options.maxAge)}`);
  const existing = reply.getHeader('set-cookie');
  const list =
    existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  reply.header('set-cookie', [...list, parts.join('; ')]);
}

export function clearCookie(reply: FastifyReply, name: string, secure: boolean): void {
  setCookie(reply, name, '', { secure, maxAge: 0 });
}
