import { ApiError } from '../../../platform/errors/api-error';
import { IDENTITY_SCOPES, parseResourceParam } from '../../../resources/resource-indicator';
import { InvalidAuthorizationRequest } from '../../auth.errors';
import type { AuthorizationCheck } from '../authorization-request';

/**
 * RFC 8707 §2.1: each `resource` names a registered protected resource, else `invalid_target`. Runs
 * after the scope check: the scopes granted are limited to those the requested resources accept, and
 * with no scope requested the default is the app's scopes that those resources accept.
 */
export const checkResource: AuthorizationCheck = async (ctx, { resources }) => {
  let uris: string[];
  try {
    uris = parseResourceParam(ctx.params.resource);
  } catch (error) {
    if (error instanceof ApiError) throw new InvalidAuthorizationRequest(error.code, error.description);
    throw error;
  }
  if (uris.length === 0) return;
  const found = [];
  for (const uri of uris) {
    const resource = await resources.find(uri);
    if (!resource) {
      throw new InvalidAuthorizationRequest('invalid_target', `unknown resource: ${uri.slice(0, 100)}`);
    }
    found.push(resource);
  }
  const accepted = new Set([...found.flatMap((r) => r.scopes), ...IDENTITY_SCOPES]);
  const scopes = ctx.scopes!;
  if (ctx.params.scope === undefined) {
    const narrowed = scopes.filter((s) => accepted.has(s));
    if (!narrowed.some((s) => !IDENTITY_SCOPES.has(s))) {
      throw new InvalidAuthorizationRequest(
        'invalid_scope',
        'the app has no scope the requested resource accepts',
      );
    }
    ctx.scopes = narrowed;
  } else {
    const outside = scopes.filter((s) => !accepted.has(s));
    if (outside.length) {
      throw new InvalidAuthorizationRequest(
        'invalid_scope',
        `scope not accepted by the requested resource: ${outside.join(' ').slice(0, 100)}`,
      );
    }
  }
  ctx.resources = found;
};
