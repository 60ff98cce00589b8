import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';

import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuditService } from '../audit/audit.service';
import { CurrentPrincipal } from '../platform/auth/decorators';
import type { Principal } from '../platform/auth/principal';
import { NotFound } from '../platform/errors/api-error';
import { UsersService } from '../users/users.service';
import {
  AdminApiKeyList,
  AdminApiKeyResponse,
  AdminCreateApiKeyDto,
  ApiKeyPageQuery,
  toAdminApiKey,
} from './admin.dto';
import { ADMIN_AUTH, ManagementApi, uuid } from './admin-http';

/**
 * Operators' view of every user's API keys. Keys are still only ever created here or by their owner in
 * the console: an API key itself can never create, roll or delete keys (it cannot reach either API).
 */
@Controller('v1/admin/api-keys')
@ManagementApi('manage:api-keys')
export class AdminApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List API keys, newest first (keyset pages; never the keys)',
    description: ADMIN_AUTH,
  })
  @ApiOkResponse({ type: AdminApiKeyList })
  async list(@Query() query: ApiKeyPageQuery): Promise<AdminApiKeyList> {
    const page = await this.keys.listAll({ limit: query.limit, cursor: query.cursor }, query.user_id);
    return { data: page.items.map((k) => toAdminApiKey(k)), next_cursor: page.nextCursor };
  }

  @Post()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Create a key for a user (the key is shown only in this response)',
    description: ADMIN_AUTH,
  })
  @ApiCreatedResponse({ type: AdminApiKeyResponse })
  @ApiBadRequestResponse({ description: 'invalid_request with the failing fields' })
  @ApiNotFoundResponse({ description: 'no such user' })
  async create(@Body() body: AdminCreateApiKeyDto): Promise<AdminApiKeyResponse> {
    if (!(await this.users.findById(body.user_id))) throw new NotFound('user');
    const issued = await this.keys.create({
      userId: body.user_id,
      name: body.name,
      scopes: body.scopes,
      expiresAt: body.expires_at ? new Date(body.expires_at) : null,
    });
    return toAdminApiKey(issued.key, issued.secret);
  }

  @Post(':id/disable')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Disable a key: refused like a revoked one until enabled',
    description: ADMIN_AUTH,
  })
  @ApiOkResponse({ type: AdminApiKeyResponse })
  @ApiNotFoundResponse({ description: 'no such key' })
  async disable(
    @CurrentPrincipal() p: Principal,
    @Param('id', uuid) id: string,
  ): Promise<AdminApiKeyResponse> {
    const key = await this.keys.setDisabled(id, true);
    await this.audit.record({
      type: 'api_key.disabled',
      userId: key.userId,
      details: { key_id: id, by: p.clientId },
    });
    return toAdminApiKey(key);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a disabled key again', description: ADMIN_AUTH })
  @ApiOkResponse({ type: AdminApiKeyResponse })
  @ApiNotFoundResponse({ description: 'no such key' })
  async enable(
    @CurrentPrincipal() p: Principal,
    @Param('id', uuid) id: string,
  ): Promise<AdminApiKeyResponse> {
    const key = await this.keys.setDisabled(id, false);
    await this.audit.record({
      type: 'api_key.enabled',
      userId: key.userId,
      details: { key_id: id, by: p.clientId },
    });
    return toAdminApiKey(key);
  }

  @Post(':id/roll')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Roll a key: a new key now; the old one works until previous_key_expires_at',
    description: ADMIN_AUTH,
  })
  @ApiCreatedResponse({ type: AdminApiKeyResponse })
  @ApiNotFoundResponse({ description: 'no such key' })
  async roll(@Param('id', uuid) id: string): Promise<AdminApiKeyResponse> {
    const rolled = await this.keys.roll(null, id);
    return toAdminApiKey(rolled.key, rolled.secret, rolled.previousKeyExpiresAt);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete (revoke) a key, effective immediately', description: ADMIN_AUTH })
  @ApiNoContentResponse({ description: 'revoked' })
  @ApiNotFoundResponse({ description: 'no such key' })
  async remove(@Param('id', uuid) id: string): Promise<void> {
    await this.keys.revoke(null, id);
  }
}
