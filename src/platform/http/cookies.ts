import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** @fastify/cookie parses the Cookie header once per request (onRequest) and writes Set-Cookie on send. */
export async function registerCookies(fastify: FastifyInstance): Promise<void> {
  await fastify.register(fastifyCookie);
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  return request.cookies[name];
}

export interface CookieOptions {
  maxAge?: number;
  secure: boolean;
  path?: string;
  sameSite?: 'Lax' | 'Strict';
}

const SAFE_VALUE = /^[A-Za-z0-9._~-]*$/;

/** Always HttpOnly with an explicit Path and SameSite; Secure on an https issuer (so `__Host-` names hold). */
export function setCookie(reply: FastifyReply, name: string, value: string, options: CookieOptions): void {
  // Values are ours (base64url ids): anything else is a bug, never encoded and sent.
  if (!SAFE_VALUE.test(value)) throw new Error('unsafe cookie value');
  reply.setCookie(name, value, {
    path: options.path ?? '/',
    httpOnly: true,
    sameSite: options.sameSite === 'Strict' ? 'strict' : 'lax',
    secure: options.secure,
    ...(options.maxAge !== undefined ? { maxAge: Math.floor(options.maxAge) } : {}),
  });
}

/** Max-Age=0 with the same attributes (@fastify/cookie's clearCookie would add an Expires date too). */
export function clearCookie(reply: FastifyReply, name: string, secure: boolean): void {
  setCookie(reply, name, '', { secure, maxAge: 0 });
}
