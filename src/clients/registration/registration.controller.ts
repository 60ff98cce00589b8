import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Public } from '../../platform/auth/decorators';
import { REGISTRATION_TOKEN_SCHEME } from '../../platform/http/api-docs';
import { requestMeta } from '../../platform/http/request-meta';
import { RateLimiter } from '../../platform/rate-limit/rate-limiter.service';
import { type RegistrationResponse, RegistrationService } from './registration.service';

/** RFC 6750 §2.1 `Authorization: Bearer <token>`; anything else is no token. */
function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return typeof header === 'string' ? /^bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header)?.[1] : undefined;
}

/** RFC 7591 §3.2.1: registration responses carry credentials and must not be cached. */
function noStore(reply: FastifyReply): void {
  reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
}

/**
 * RFC 7591 registration endpoint and RFC 7592 client configuration endpoint. Public to the global guard:
 * their credentials (initial access token, registration access token) are their own.
 */
/** RFC 7591 §2 client metadata, as this server accepts it (other fields are refused or ignored). */
const METADATA_SCHEMA = {
  type: 'object',
  properties: {
    redirect_uris: {
      type: 'array',
      items: { type: 'string' },
      maxItems: 10,
      example: ['https://app.example/cb'],
    },
    client_name: { type: 'string', maxLength: 100, example: 'My agent' },
    token_endpoint_auth_method: {
      type: 'string',
      enum: ['none', 'client_secret_basic', 'client_secret_post'],
      default: 'none',
    },
    grant_types: {
      type: 'array',
      items: { type: 'string' },
      default: ['authorization_code', 'refresh_token'],
    },
    response_types: { type: 'array', items: { type: 'string', enum: ['code'] } },
    scope: { type: 'string', example: 'openid read:projects' },
    application_type: { type: 'string', enum: ['web', 'native'] },
    require_pushed_authorization_requests: { type: 'boolean', default: false },
    client_uri: { type: 'string', format: 'uri' },
    logo_uri: { type: 'string', format: 'uri' },
    tos_uri: { type: 'string', format: 'uri' },
    policy_uri: { type: 'string', format: 'uri' },
    contacts: { type: 'array', items: { type: 'string' }, maxItems: 5 },
  },
};

/** RFC 7591 §3.2.1 / RFC 7592 §3: the metadata as registered, with the client's credentials on create. */
const RESPONSE_SCHEMA = {
  type: 'object',
  required: ['client_id', 'registration_client_uri'],
  properties: {
    client_id: { type: 'string' },
    client_secret: { type: 'string', description: 'confidential clients, only when created' },
    client_id_issued_at: { type: 'integer' },
    registration_access_token: {
      type: 'string',
      description: 'only when created: keep it to manage the client',
    },
    registration_client_uri: { type: 'string', format: 'uri' },
    ...METADATA_SCHEMA.properties,
  },
};

const TOKEN_ERRORS = {
  status: 401,
  description:
    'invalid_token: the initial or registration access token is missing, used, or wrong (RFC 6750 §3.1)',
};
const METADATA_ERRORS = {
  status: 400,
  description: 'invalid_redirect_uri or invalid_client_metadata, naming the field (RFC 7591 §3.2.2)',
};

@ApiTags('oauth2')
@Controller('oauth2/register')
@Public()
export class RegistrationController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly limiter: RateLimiter,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Dynamic client registration (RFC 7591)',
    description:
      'Who may register depends on DCR_MODE: anyone (open), holders of an initial access token ' +
      '(initial-access-token, sent as a bearer token; each is used once), or nobody (off: 403 access_denied).',
  })
  // Open registration needs no credential; the other mode an initial access token.
  @ApiSecurity(REGISTRATION_TOKEN_SCHEME)
  @ApiSecurity({})
  @ApiBody({ schema: METADATA_SCHEMA })
  @ApiCreatedResponse({ description: 'RFC 7591 §3.2.1 (Cache-Control: no-store)', schema: RESPONSE_SCHEMA })
  @ApiResponse(METADATA_ERRORS)
  @ApiResponse(TOKEN_ERRORS)
  @ApiResponse({ status: 403, description: 'access_denied: registration is off on this server' })
  @ApiResponse({ status: 429, description: 'too_many_requests: too many registrations from this address' })
  async register(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: unknown,
  ): Promise<RegistrationResponse> {
    noStore(reply);
    // Registration creates rows for anyone who asks: limited per address, counted before any work.
    const decision = await this.limiter.hit('registration_ip', requestMeta(request).ip ?? 'unknown');
    if (!decision.allowed) {
      throw this.limiter.tooMany(decision, 'too many client registrations from this address');
    }
    await this.registration.admit(bearer(request));
    return this.registration.register(body);
  }

  @Get(':clientId')
  @ApiOperation({ summary: 'Read a registration (RFC 7592 §2.1)' })
  @ApiSecurity(REGISTRATION_TOKEN_SCHEME)
  @ApiOkResponse({ schema: RESPONSE_SCHEMA })
  @ApiResponse(TOKEN_ERRORS)
  read(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('clientId') clientId: string,
  ): Promise<RegistrationResponse> {
    noStore(reply);
    return this.registration.read(clientId, bearer(request));
  }

  @Put(':clientId')
  @ApiOperation({
    summary: 'Replace a registration (RFC 7592 §2.2)',
    description:
      'Send the whole metadata; omitted fields take their defaults. The client type cannot change.',
  })
  @ApiSecurity(REGISTRATION_TOKEN_SCHEME)
  @ApiBody({ schema: METADATA_SCHEMA })
  @ApiOkResponse({ schema: RESPONSE_SCHEMA })
  @ApiResponse(METADATA_ERRORS)
  @ApiResponse(TOKEN_ERRORS)
  update(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('clientId') clientId: string,
    @Body() body: unknown,
  ): Promise<RegistrationResponse> {
    noStore(reply);
    return this.registration.update(clientId, bearer(request), body);
  }

  @Delete(':clientId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a registration (RFC 7592 §2.3): its tokens stop working at once' })
  @ApiSecurity(REGISTRATION_TOKEN_SCHEME)
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiResponse(TOKEN_ERRORS)
  async remove(@Req() request: FastifyRequest, @Param('clientId') clientId: string): Promise<void> {
    await this.registration.delete(clientId, bearer(request));
  }
}
