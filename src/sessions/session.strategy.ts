import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy as CustomStrategy } from 'passport-custom';

import type { CredentialStrategy } from '../platform/auth/credential-strategy';
import type { Principal } from '../platform/auth/principal';
import { ApiError } from '../platform/errors/api-error';
import { InvalidToken } from '../platform/errors/oauth-errors';
import { readCookie } from '../platform/http/cookies';
import { KNOWN_SCOPES } from '../tokens/scopes';
import { SessionsService } from './sessions.service';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ALL_SCOPES: ReadonlySet<string> = new Set(KNOWN_SCOPES);

export class CsrfRejected extends ApiError {
  constructor() {
    super(403, 'csrf_failed', 'missing or invalid CSRF token (send the X-CSRF-Token header)');
  }
}

/**
 * The CSRF token a request carries: the X-CSRF-Token header (scripts calling the JSON API) or, for HTML
 * forms, which cannot set headers, the `csrf_token` field of the form body.
 */
export function submittedCsrf(request: FastifyRequest): unknown {
  const header = request.headers['x-csrf-token'];
  if (header !== undefined) return header;
  const body = request.body;
  return body && typeof body === 'object' ? (body as Record<string, unknown>).csrf_token : undefined;
}

/**
 * The signed-in browser session as a credential for developer self-service (/v1/clients, /v1/api-keys).
 * Cookies are sent by browsers on their own, so every unsafe method must also carry the CSRF token in
 * the X-CSRF-Token header (or, for HTML forms, the csrf_token field), which another origin cannot read or
 * set. No passport session: the sessions table is SessionsService's, and every request is checked afresh.
 */
@Injectable()
export class SessionStrategy
  extends PassportStrategy(CustomStrategy, 'session')
  implements CredentialStrategy
{
  constructor(private readonly sessions: SessionsService) {
    super();
  }

  present(request: FastifyRequest): boolean {
    return readCookie(request, this.sessions.cookieName) !== undefined;
  }

  async validate(request: FastifyRequest): Promise<Principal> {
    const session = await this.sessions.current(request);
    if (!session) throw new InvalidToken('the session has expired; sign in again');
    if (
      !SAFE_METHODS.has(request.method) &&
      !this.sessions.verifyCsrf(request, session, submittedCsrf(request))
    ) {
      throw new CsrfRejected();
    }
    return {
      kind: 'user',
      subject: session.userId,
      userId: session.userId,
      scopes: ALL_SCOPES,
      via: 'session',
      sessionId: session.idHash,
    };
  }
}
