import { applyDecorators, ParseUUIDPipe, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';

import { Accepts, Scopes } from '../platform/auth/decorators';
import type { Principal } from '../platform/auth/principal';
import { ValidationFailed } from '../platform/errors/api-error';
import { BEARER_SCHEME } from '../platform/http/openapi';
import type { RequestMeta } from '../platform/http/request-meta';
import type { ManagementScope } from '../tokens/scopes';
import { OperatorOnlyGuard } from './operator-only.guard';

/** Path ids are UUIDs; anything else is a 400 in our error format, before any database work. */
export const uuid = new ParseUUIDPipe({
  version: '4',
  exceptionFactory: () => new ValidationFailed([{ field: 'id', messages: ['must be a UUID'] }]),
});

export const ADMIN_AUTH =
  'Management API: a client_credentials access token (Authorization: Bearer) of an operator client ' +
  'holding the scope named here. User tokens, API keys and console sessions are refused.';

/**
 * A management controller: bearer tokens only (never an API key or a session), the one manage:* scope,
 * and only a service principal (OperatorOnlyGuard, after the global guard).
 */
export function ManagementApi(scope: ManagementScope): ClassDecorator {
  return applyDecorators(
    ApiTags('admin'),
    ApiBearerAuth(BEARER_SCHEME),
    ApiUnauthorizedResponse({
      description: 'no bearer token, or an invalid one (API keys and sessions are refused)',
    }),
    ApiForbiddenResponse({ description: `insufficient_scope: needs ${scope}; or a token acting for a user` }),
    Accepts('bearer'),
    Scopes(scope),
    UseGuards(OperatorOnlyGuard),
  );
}

/** The audit actor: the operator client and where its request came from. */
export function actor(p: Principal, meta: RequestMeta): RequestMeta & { clientId?: string } {
  return { ...meta, clientId: p.clientId };
}
