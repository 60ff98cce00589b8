import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

import { CurrentPrincipal } from '../platform/auth/decorators';
import type { Principal } from '../platform/auth/principal';
import { NotFound } from '../platform/errors/api-error';
import { requestMeta } from '../platform/http/request-meta';
import { UsersService } from '../users/users.service';
import { AdminCreateUserDto, AdminUserList, AdminUserResponse, PageQuery, toAdminUser } from './admin.dto';
import { actor, ADMIN_AUTH, ManagementApi, uuid } from './admin-http';
import { AdminUsersService } from './admin-users.service';

/** Operators' user accounts (like Auth0's /api/v2/users). Never returns password hashes. */
@Controller('v1/admin/users')
@ManagementApi('manage:users')
export class AdminUsersController {
  constructor(
    private readonly users: UsersService,
    private readonly admin: AdminUsersService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List users, newest first (keyset pages)', description: ADMIN_AUTH })
  @ApiOkResponse({ type: AdminUserList })
  async list(@Query() query: PageQuery): Promise<AdminUserList> {
    const page = await this.users.listAll(query);
    return { data: page.items.map(toAdminUser), next_cursor: page.nextCursor };
  }

  @Post()
  @ApiOperation({ summary: 'Create a user with a password', description: ADMIN_AUTH })
  @ApiCreatedResponse({ type: AdminUserResponse })
  @ApiBadRequestResponse({ description: 'invalid email, weak password or bad name' })
  @ApiConflictResponse({ description: 'the email is taken' })
  async create(@Body() body: AdminCreateUserDto): Promise<AdminUserResponse> {
    return toAdminUser(
      await this.users.create({ email: body.email, password: body.password, displayName: body.name }),
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user', description: ADMIN_AUTH })
  @ApiOkResponse({ type: AdminUserResponse })
  @ApiNotFoundResponse({ description: 'no such user' })
  async get(@Param('id', uuid) id: string): Promise<AdminUserResponse> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFound('user');
    return toAdminUser(user);
  }

  @Post(':id/disable')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Disable a user: no sign-in; sessions ended; authorizations and API keys revoked',
    description: ADMIN_AUTH,
  })
  @ApiOkResponse({ type: AdminUserResponse })
  @ApiNotFoundResponse({ description: 'no such user' })
  async disable(
    @CurrentPrincipal() p: Principal,
    @Req() request: FastifyRequest,
    @Param('id', uuid) id: string,
  ): Promise<AdminUserResponse> {
    return toAdminUser(await this.admin.disable(id, actor(p, requestMeta(request))));
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a disabled user: sign-in works again', description: ADMIN_AUTH })
  @ApiOkResponse({ type: AdminUserResponse })
  @ApiNotFoundResponse({ description: 'no such user' })
  async enable(
    @CurrentPrincipal() p: Principal,
    @Req() request: FastifyRequest,
    @Param('id', uuid) id: string,
  ): Promise<AdminUserResponse> {
    return toAdminUser(await this.admin.enable(id, actor(p, requestMeta(request))));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a user with their projects, apps, API keys, sessions and authorizations',
    description: ADMIN_AUTH,
  })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiNotFoundResponse({ description: 'no such user' })
  async remove(
    @CurrentPrincipal() p: Principal,
    @Req() request: FastifyRequest,
    @Param('id', uuid) id: string,
  ): Promise<void> {
    await this.admin.delete(id, actor(p, requestMeta(request)));
  }
}
