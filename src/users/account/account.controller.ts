import { Body, Controller, Patch, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { Accepts, CurrentPrincipal } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { NotFound, ValidationFailed } from '../../platform/errors/api-error';
import { requestMeta } from '../../platform/http/request-meta';
import { AccountTokensService } from '../account-tokens.service';
import { UsersService } from '../users.service';
import { type OwnUserResponse, UpdateUserDto } from './account.dto';
import { WrongPassword } from './account.errors';
import { Profile } from './profile.service';

/**
 * Self-service changes to one's own account. Policy: only the console session (+ CSRF), never an app's
 * token or an API key — there is no scope that lets a third party change who an account belongs to.
 * The name needs nothing more; the email and the password need the current password too. An email
 * change takes effect when the link sent to the new address is followed (`pending_email` until then).
 */
@Controller('v1/user')
@Accepts('session')
export class AccountController {
  constructor(
    private readonly users: UsersService,
    private readonly profile: Profile,
    private readonly tokens: AccountTokensService,
  ) {}

  @Patch()
  async update(
    @CurrentPrincipal() p: Principal,
    @Body() body: UpdateUserDto,
    @Req() req: FastifyRequest,
  ): Promise<OwnUserResponse> {
    const userId = p.userId!;
    const meta = requestMeta(req);
    const sensitive = body.email !== undefined || body.new_password !== undefined;
    if (sensitive) {
      if (body.current_password === undefined) {
        throw new ValidationFailed([
          { field: 'current_password', messages: ['is required to change the email or password'] },
        ]);
      }
      if (!(await this.users.verifyPassword(userId, body.current_password))) throw new WrongPassword();
    }
    if (body.name !== undefined) await this.profile.rename(userId, body.name, meta);
    if (body.email !== undefined) await this.profile.changeEmail(userId, body.email, meta);
    if (body.new_password !== undefined) {
      await this.profile.changePassword(userId, body.current_password!, body.new_password, p.sessionId, meta);
    }
    const user = await this.users.findById(userId);
    if (!user) throw new NotFound('user');
    const pending = await this.tokens.pendingEmail(userId, user.email);
    return {
      id: user.id,
      email: user.email,
      email_verified: user.emailVerified,
      name: user.displayName,
      created_at: user.createdAt.toISOString(),
      ...(pending ? { pending_email: pending } : {}),
    };
  }
}
