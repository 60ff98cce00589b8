import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

import { Accepts, CurrentPrincipal } from '../platform/auth/decorators';
import type { Principal } from '../platform/auth/principal';
import { UuidParamPipe } from '../platform/forms/uuid-param.pipe';
import {
  ApiKeyListResponse,
  CreateApiKeyDto,
  CreatedApiKeyResponse,
  RolledApiKeyResponse,
  toApiKeyResponse,
  toCreatedApiKeyResponse,
  toRolledApiKeyResponse,
} from './api-keys.dto';
import { ApiKeysService } from './api-keys.service';

/** Path ids are UUIDs; anything else is a 400 in our error format, before any database work. */
const uuid = new UuidParamPipe();

const SESSION_ONLY =
  'Developer self-service: needs the signed-in console session (cookie) and, on POST and DELETE, the ' +
  'X-CSRF-Token header. Bearer tokens and API keys are not accepted, so a leaked key cannot mint more keys.';

/**
 * Developer self-service for API keys: the signed-in user's own keys only. Session only (cookie +
 * CSRF header on unsafe methods): a key must never be able to create, roll or revoke keys.
 */
@ApiTags('api-keys')
@Controller('v1/api-keys')
@Accepts('session')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  // The response carries a secret: no cache may keep it (RFC 9111 §5.2.2.5).
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Create an API key (the key is shown only in this response)',
    description: SESSION_ONLY,
  })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiBadRequestResponse({ description: 'invalid_request with the failing fields' })
  @ApiUnauthorizedResponse({ description: 'not signed in' })
  async create(
    @CurrentPrincipal() p: Principal,
    @Body() body: CreateApiKeyDto,
  ): Promise<CreatedApiKeyResponse> {
    const issued = await this.keys.create({
      userId: p.userId!,
      name: body.name,
      scopes: body.scopes,
      expiresAt: body.expires_at ? new Date(body.expires_at) : null,
    });
    return toCreatedApiKeyResponse(issued);
  }

  @Get()
  @ApiOperation({
    summary: "List the signed-in user's API keys (never the keys themselves)",
    description: SESSION_ONLY,
  })
  @ApiOkResponse({ type: ApiKeyListResponse })
  async list(@CurrentPrincipal() p: Principal): Promise<ApiKeyListResponse> {
    return { data: (await this.keys.list(p.userId!)).map(toApiKeyResponse) };
  }

  @Post(':id/roll')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Roll a key: a new key now; the old one keeps working until previous_key_expires_at',
    description: SESSION_ONLY,
  })
  @ApiCreatedResponse({ type: RolledApiKeyResponse })
  @ApiNotFoundResponse({ description: 'no such key for this user' })
  async roll(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string): Promise<RolledApiKeyResponse> {
    return toRolledApiKeyResponse(await this.keys.roll(p.userId!, id));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a key, effective immediately', description: SESSION_ONLY })
  @ApiNoContentResponse({ description: 'revoked' })
  @ApiNotFoundResponse({ description: 'no such key for this user' })
  async revoke(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string): Promise<void> {
    await this.keys.revoke(p.userId!, id);
  }
}
