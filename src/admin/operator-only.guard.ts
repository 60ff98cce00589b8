import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';

import type { AuthenticatedRequest } from '../platform/auth/decorators';
import { Forbidden } from '../platform/errors/api-error';

/**
 * Runs after the global guard (which checked the bearer token and the manage:* scope): the management API
 * serves internal services only, so a token that acts for a user is refused even if it somehow carried a
 * management scope. Users, API keys and console sessions never get a management scope in the first place.
 */
@Injectable()
export class OperatorOnlyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (principal?.kind !== 'client' || principal.userId !== undefined) {
      throw new Forbidden('the management API takes client_credentials tokens of operator clients only');
    }
    return true;
  }
}
