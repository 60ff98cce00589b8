import { Controller, Get } from '@nestjs/common';

import { Accepts, CurrentPrincipal, Scopes } from '../platform/auth/decorators';
import type { Principal } from '../platform/auth/principal';
import { derived } from '../platform/cache/derived';
import { Forbidden, NotFound } from '../platform/errors/api-error';
import { UsersService, type UserView } from './users.service';

/** Response shape of GET /v1/user (explicit mapping: no entity leaves a controller). */
interface UserResponse {
  id: string;
  email: string;
  name: string;
  created_at: string;
}

/** Built once per cached user view (UsersService serves the same object until a change drops it). */
const toUserResponse = derived((user: UserView): UserResponse => ({
  id: user.id,
  email: user.email,
  name: user.displayName,
  created_at: user.createdAt.toISOString(),
}));

@Controller('v1/user')
// The resource API: a user's access token (RFC 6750) or a developer's API key, scopes per route.
@Accepts('bearer', 'api_key')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Scopes('read:user')
  async me(@CurrentPrincipal() principal: Principal): Promise<UserResponse> {
    // A client_credentials token is a service, not a person: it has no "me".
    if (!principal.userId) {
      throw new Forbidden(
        'service tokens (client_credentials) act for no user: use a user access token (authorization code flow) or an API key',
      );
    }
    const user = await this.users.findById(principal.userId);
    if (!user) throw new NotFound('user');
    return toUserResponse(user);
  }
}
