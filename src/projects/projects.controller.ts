import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { Accepts, CurrentPrincipal, Scopes } from '../platform/auth/decorators';
import type { Principal } from '../platform/auth/principal';
import { derived } from '../platform/cache/derived';
import { Forbidden } from '../platform/errors/api-error';
import { UuidParamPipe } from '../platform/forms/uuid-param.pipe';
import {
  CreateProjectDto,
  ListProjectsQuery,
  ProjectListResponse,
  ProjectResponse,
  toProjectResponse,
  UpdateProjectDto,
} from './projects.dto';
import { InvalidProjectField } from './projects.errors';
import { type ProjectAccess, type ProjectPage, ProjectsService } from './projects.service';

/** Path ids are UUIDs; anything else is a 400 in our error format, before any database work. */
const uuid = new UuidParamPipe();

/**
 * A principal acting for a user sees only that user's projects; an internal service (client_credentials,
 * no user) holding the scope sees all of them (design: "a client_credentials token never acts as a user").
 */
function accessOf(principal: Principal): ProjectAccess {
  if (principal.userId) return { kind: 'owner', userId: principal.userId };
  if (principal.kind === 'client') return { kind: 'all' };
  throw new Forbidden('this credential acts for neither a user nor a service');
}

/** The sample protected resource (RFC 6750): a bearer token or an API key with the projects scopes. */

/** Built once per cached page (ProjectsService serves the same page object until a write drops it). */
const listResponse = derived((page: ProjectPage): ProjectListResponse => ({
  data: page.items.map(toProjectResponse),
  next_cursor: page.nextCursor,
}));

@ApiTags('projects')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@ApiUnauthorizedResponse({
  description: 'no credential, or an invalid, expired or revoked one (invalid_token)',
})
@ApiForbiddenResponse({
  description: 'insufficient_scope: the credential lacks the scope named in WWW-Authenticate',
})
@Controller('v1/projects')
// The resource API: a user's access token (RFC 6750) or a developer's API key, scopes per route.
@Accepts('bearer', 'api_key')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Get()
  @Scopes('read:projects')
  @ApiOperation({ summary: 'List projects, newest first (keyset pagination)' })
  @ApiOkResponse({ type: ProjectListResponse })
  async list(
    @CurrentPrincipal() p: Principal,
    @Query() query: ListProjectsQuery,
  ): Promise<ProjectListResponse> {
    const page = await this.projects.list(accessOf(p), { limit: query.limit, cursor: query.cursor });
    return listResponse(page);
  }

  @Get(':id')
  @Scopes('read:projects')
  @ApiOperation({ summary: 'Get a project' })
  @ApiOkResponse({ type: ProjectResponse })
  @ApiNotFoundResponse({ description: 'no such project for this caller' })
  async get(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string): Promise<ProjectResponse> {
    return toProjectResponse(await this.projects.get(accessOf(p), id));
  }

  @Post()
  @Scopes('write:projects')
  @ApiOperation({ summary: 'Create a project' })
  @ApiCreatedResponse({ type: ProjectResponse })
  async create(
    @CurrentPrincipal() p: Principal,
    @Body() body: CreateProjectDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProjectResponse> {
    const access = accessOf(p);
    let ownerId: string;
    if (access.kind === 'owner') {
      // A user (or their key) cannot plant projects in someone else's account.
      if (body.owner_id !== undefined) {
        throw new InvalidProjectField('owner_id', 'must not be given: your projects are always your own');
      }
      ownerId = access.userId;
    } else {
      if (!body.owner_id) {
        throw new InvalidProjectField('owner_id', 'is required when a service creates a project');
      }
      ownerId = body.owner_id;
    }
    const project = await this.projects.create({ ownerId, name: body.name, description: body.description });
    reply.header('Location', `/v1/projects/${project.id}`);
    return toProjectResponse(project);
  }

  @Patch(':id')
  @Scopes('write:projects')
  @ApiOperation({ summary: 'Change a project (only the fields given)' })
  @ApiOkResponse({ type: ProjectResponse })
  @ApiNotFoundResponse({ description: 'no such project for this caller' })
  async update(
    @CurrentPrincipal() p: Principal,
    @Param('id', uuid) id: string,
    @Body() body: UpdateProjectDto,
  ): Promise<ProjectResponse> {
    const project = await this.projects.update(accessOf(p), id, {
      name: body.name,
      description: body.description,
    });
    return toProjectResponse(project);
  }

  @Delete(':id')
  @HttpCode(204)
  @Scopes('write:projects')
  @ApiOperation({ summary: 'Delete a project' })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiNotFoundResponse({ description: 'no such project for this caller' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string): Promise<void> {
    await this.projects.delete(accessOf(p), id);
  }
}
