import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import { IS_PUBLIC } from '../auth/decorators';
import { CsrfFailedPage } from './page-error';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Runs after the global guard, which has already checked the session and its CSRF token (taken from the
 * X-CSRF-Token header when present, else from the form). An HTML form cannot set headers, so a page's
 * form post must carry the token in its `csrf_token` field, and a header, when sent as well, must be that
 * same token: whatever the session credential verified is then the form's own token.
 */
@Injectable()
export class PageFormGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (SAFE_METHODS.has(request.method)) return true;
    // Public pages (sign-in, sign-up) check their pre-session token themselves.
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const body = request.body;
    const field = body && typeof body === 'object' ? (body as Record<string, unknown>).csrf_token : undefined;
    const header = request.headers['x-csrf-token'];
    if (typeof field !== 'string' || (header !== undefined && header !== field)) throw new CsrfFailedPage();
    return true;
  }
}
