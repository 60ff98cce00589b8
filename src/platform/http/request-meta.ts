import type { FastifyRequest } from 'fastify';

/** Where a request came from, for the audit log and the console's security activity. */
export interface RequestMeta {
  ip?: string;
  userAgent?: string;
}

export function requestMeta(request: FastifyRequest): RequestMeta {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}
