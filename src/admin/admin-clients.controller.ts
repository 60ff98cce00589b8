import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';

import { AuditService } from '../audit/audit.service';
import { ClientsService } from '../clients/clients.service';
import { CurrentPrincipal } from '../platform/auth/decorators';
import type { Principal } from '../platform/auth/principal';
import {
  AdminClientList,
  AdminClientResponse,
  AdminCreateClientDto,
  PageQuery,
  toAdminClient,
} from './admin.dto';
import { ADMIN_AUTH, ManagementApi, uuid } from './admin-http';

/** Operators' client registry (like Auth0's /api/v2/clients): every client, not only one user's. */
@Controller('v1/admin/clients')
@ManagementApi('manage:clients')
export class AdminClientsController {
  constructor(
    private readonly clients: ClientsService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List clients, newest first (keyset pages)', description: ADMIN_AUTH })
  @ApiOkResponse({ type: AdminClientList })
  async list(@Query() query: PageQuery): Promise<AdminClientList> {
    const page = await this.clients.listAll(query);
    return { data: page.items.map((c) => toAdminClient(c)), next_cursor: page.nextCursor };
  }

  @Post()
  // The response carries a secret: no cache may keep it (RFC 9111 §5.2.2.5).
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Create a client (the secret is shown only in this response)',
    description: `${ADMIN_AUTH} manage:* scopes are allowed for confidential client_credentials-only clients.`,
  })
  @ApiCreatedResponse({ type: AdminClientResponse })
  @ApiBadRequestResponse({ description: 'invalid_client_metadata or invalid_request with the failing field' })
  async create(@Body() body: AdminCreateClientDto): Promise<AdminClientResponse> {
    const { client, clientSecret } = await this.clients.register({
      name: body.name,
      type: body.type,
      redirectUris: body.redirect_uris ?? [],
      scopes: body.scopes,
      grantTypes: body.grant_types,
      ownerId: null,
      operator: true,
    });
    return toAdminClient(client, clientSecret);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One client', description: ADMIN_AUTH })
  @ApiOkResponse({ type: AdminClientResponse })
  @ApiNotFoundResponse({ description: 'no such client (or deleted)' })
  async get(@Param('id', uuid) id: string): Promise<AdminClientResponse> {
    return toAdminClient(await this.clients.getById(id));
  }

  @Post(':id/disable')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Disable a client: it cannot authenticate, and its tokens stop working, until enabled',
    description: ADMIN_AUTH,
  })
  @ApiOkResponse({ type: AdminClientResponse })
  @ApiNotFoundResponse({ description: 'no such client' })
  async disable(
    @CurrentPrincipal() p: Principal,
    @Param('id', uuid) id: string,
  ): Promise<AdminClientResponse> {
    const client = await this.clients.setDisabled(id, true);
    await this.audit.record({
      type: 'client.disabled',
      clientId: client.clientId,
      details: { by: p.clientId },
    });
    return toAdminClient(client);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a disabled client again', description: ADMIN_AUTH })
  @ApiOkResponse({ type: AdminClientResponse })
  @ApiNotFoundResponse({ description: 'no such client' })
  async enable(
    @CurrentPrincipal() p: Principal,
    @Param('id', uuid) id: string,
  ): Promise<AdminClientResponse> {
    const client = await this.clients.setDisabled(id, false);
    await this.audit.record({
      type: 'client.enabled',
      clientId: client.clientId,
      details: { by: p.clientId },
    });
    return toAdminClient(client);
  }

  @Post(':id/secret')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Rotate the secret (the previous one works for CLIENT_SECRET_ROTATION_OVERLAP seconds)',
    description: ADMIN_AUTH,
  })
  @ApiCreatedResponse({ type: AdminClientResponse })
  @ApiNotFoundResponse({ description: 'no such client' })
  async rotate(@Param('id', uuid) id: string): Promise<AdminClientResponse> {
    const { client, clientSecret } = await this.clients.rotateSecret(null, id);
    return toAdminClient(client, clientSecret);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a client: its client_id is never reissued and its tokens stop at once',
    description: ADMIN_AUTH,
  })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiNotFoundResponse({ description: 'no such client' })
  async remove(@Param('id', uuid) id: string): Promise<void> {
    await this.clients.delete(null, id);
  }
}
