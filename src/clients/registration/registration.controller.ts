import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../platform/auth/decorators';
import { requestMeta } from '../../platform/http/request-meta';
import { RateLimiter } from '../../platform/rate-limit/rate-limiter.service';
import { RegistrationService, type RegistrationResponse } from './registration.service';

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
@Controller('oauth2/register')
@Public()
export class RegistrationController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly limiter: RateLimiter,
  ) {}

  @Post()
  @HttpCode(201)
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
  read(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('clientId') clientId: string,
  ): Promise<RegistrationResponse> {
    noStore(reply);
    return this.registration.read(clientId, bearer(request));
  }

  @Put(':clientId')
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
  async remove(@Req() request: FastifyRequest, @Param('clientId') clientId: string): Promise<void> {
    await this.registration.delete(clientId, bearer(request));
  }
}
