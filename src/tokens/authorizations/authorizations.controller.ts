import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { ClientsService } from '../../clients/clients.service';
import { Accepts, CurrentPrincipal } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { requestMeta } from '../../platform/http/request-meta';
import { AuthorizationsService } from './authorizations.service';

interface AuthorizationResponse {
  id: string;
  client_id: string;
  client_name: string;
  scopes: string[];
  created_at: string;
  updated_at: string;
}

/** The apps a user has authorized; revoking one stops all its tokens at once. Session only. */
@Controller('v1/authorizations')
@Accepts('session')
export class AuthorizationsController {
  constructor(
    private readonly authorizations: AuthorizationsService,
    private readonly clients: ClientsService,
  ) {}

  @Get()
  async list(@CurrentPrincipal() p: Principal): Promise<{ data: AuthorizationResponse[] }> {
    const authorizations = await this.authorizations.listForUser(p.userId!);
    const data = await Promise.all(
      authorizations.map(async (a) => ({
        id: a.id,
        client_id: a.clientId,
        client_name: (await this.clients.findActive(a.clientId))?.name ?? '(deleted app)',
        scopes: a.scopes,
        created_at: a.createdAt.toISOString(),
        updated_at: a.updatedAt.toISOString(),
      })),
    );
    return { data };
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(
    @CurrentPrincipal() p: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Req() req: FastifyRequest,
  ): Promise<void> {
    await this.authorizations.revokeForUser(p.userId!, id, requestMeta(req));
  }
}
