import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';

import { Accepts, CurrentPrincipal } from '../platform/auth/decorators';
import type { Principal } from '../platform/auth/principal';
import { UuidParamPipe } from '../platform/forms/uuid-param.pipe';
import { type ClientResponse, CreateClientDto, toClientResponse, UpdateClientDto } from './clients.dto';
import { ClientsService } from './clients.service';

/** Path ids: a malformed one is a 400 in our error format, before any database work. */
const uuid = new UuidParamPipe();

/** Developer self-service for OAuth apps: the signed-in user's own clients only (session + CSRF). */
@Controller('v1/clients')
@Accepts('session')
export class ClientsController {
  constructor(private readonly clients: ClientsService) {}

  @Post()
  async create(@CurrentPrincipal() p: Principal, @Body() body: CreateClientDto): Promise<ClientResponse> {
    const { client, clientSecret } = await this.clients.register({
      name: body.name,
      type: body.type,
      redirectUris: body.redirect_uris,
      scopes: body.scopes,
      grantTypes: body.grant_types,
      postLogoutRedirectUris: body.post_logout_redirect_uris,
      idTokenSignedResponseAlg: body.id_token_signed_response_alg,
      ownerId: p.userId,
    });
    return toClientResponse(client, clientSecret);
  }

  @Get()
  async list(@CurrentPrincipal() p: Principal): Promise<{ data: ClientResponse[] }> {
    return { data: (await this.clients.listOwned(p.userId!)).map((c) => toClientResponse(c)) };
  }

  @Get(':id')
  async get(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string): Promise<ClientResponse> {
    return toClientResponse(await this.clients.getOwned(p.userId!, id));
  }

  @Patch(':id')
  async update(
    @CurrentPrincipal() p: Principal,
    @Param('id', uuid) id: string,
    @Body() body: UpdateClientDto,
  ): Promise<ClientResponse> {
    const client = await this.clients.update(p.userId!, id, {
      name: body.name,
      redirectUris: body.redirect_uris,
      scopes: body.scopes,
      grantTypes: body.grant_types,
      postLogoutRedirectUris: body.post_logout_redirect_uris,
      idTokenSignedResponseAlg: body.id_token_signed_response_alg,
    });
    return toClientResponse(client);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string): Promise<void> {
    await this.clients.delete(p.userId!, id);
  }

  @Post(':id/secret')
  async rotate(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string): Promise<ClientResponse> {
    const { client, clientSecret } = await this.clients.rotateSecret(p.userId!, id);
    return toClientResponse(client, clientSecret);
  }
}
