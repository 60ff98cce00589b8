import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import type { CredentialKind, Principal } from './principal';

export const IS_PUBLIC = 'iiniit:public';
export const REQUIRED_SCOPES = 'iiniit:scopes';
export const ACCEPTED_CREDENTIALS = 'iiniit:credentials';

/** Opt a route out of the deny-by-default guard (design convention 5). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Every listed scope is required (RFC 6750 §3.1 insufficient_scope otherwise). */
export const Scopes = (...scopes: string[]) => SetMetadata(REQUIRED_SCOPES, scopes);

/**
 * Which credentials a route accepts. Default: bearer token or API key (the resource API).
 * Developer self-service routes accept only the signed-in session (cookie + CSRF header).
 */
export const Accepts = (...kinds: CredentialKind[]) => SetMetadata(ACCEPTED_CREDENTIALS, kinds);

/** What a route without `@Accepts` takes: the resource API's credentials. */
export const RESOURCE_CREDENTIALS: CredentialKind[] = ['bearer', 'api_key'];

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  // The guard runs first on every non-public route, so a missing principal is a programming error.
  if (!principal) throw new Error('CurrentPrincipal used on a route without authentication');
  return principal;
});
