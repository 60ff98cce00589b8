import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ClientsService } from '../../clients/clients.service';
import { Accepts, CurrentPrincipal } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { requestMeta } from '../../platform/http/request-meta';
import { GrantsService } from './grants.service';

export interface AuthorizationResponse {
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
    private readonly grants: GrantsService,
    private readonly clients: ClientsService,
  ) {}

  @Get()
  async list(@CurrentPrincipal() p: Principal): Promise<{ data: AuthorizationResponse[] }> {
    const grants = await this.grants.listForUser(p.userId!);
    const data = await Promise.all(
      grants.map(async (g) => ({
        id: g.id,
        client_id: g.clientId,
        client_name: (await this.clients.findActive(g.clientId))?.name ?? '(deleted app)',
        scopes: g.scopes,
        created_at: g.createdAt.toISOString(),
        updated_at: g.updatedAt.toISOString(),
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
    await this.grants.revokeForUser(p.userId!, id, requestMeta(req));
  }
}
