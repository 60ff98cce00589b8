import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Public } from '../../platform/auth/decorators';
import { HiddenFromApiDocs } from '../../platform/http/api-docs';
import { requestMeta } from '../../platform/http/request-meta';
import { SessionsService } from '../../sessions/sessions.service';
import { AuthorizationPageError } from '../auth.errors';
import { AuthorizationRequestService } from '../authorize/authorization-request.service';
import { AuthorizeFlow, sendRedirect } from '../authorize/authorize.flow';
import { authContextOfSession } from '../authorize/oidc-interaction';
import { FormDtoPipe, type SubmittedForm } from '../forms';
import { InteractiveParams } from '../interactive-params';
import { ConsentFormDto } from './consent.dto';
import { ConsentService } from './consent.service';

/**
 * The consent page. Public like the authorization endpoint it belongs to: a signed-out visitor is shown
 * the login page, which brings them back to the request.
 */
@HiddenFromApiDocs() // Browser pages, not API: kept out of the OpenAPI reference.
@Controller('auth/consent')
export class ConsentController {
  constructor(
    private readonly flow: AuthorizeFlow,
    private readonly requests: AuthorizationRequestService,
    private readonly consent: ConsentService,
    private readonly sessions: SessionsService,
  ) {}

  @Get()
  @Public()
  consentPage(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query(InteractiveParams) params: Record<string, string>,
  ): Promise<FastifyReply> {
    return this.flow.respond(req, reply, params);
  }

  @Post()
  @Public()
  async decide(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body(InteractiveParams, new FormDtoPipe(ConsentFormDto)) { form, errors }: SubmittedForm<ConsentFormDto>,
  ): Promise<FastifyReply> {
    // Re-validate everything the form carried: hidden fields are user input like any other.
    const request = await this.requests.validate(form, 'POST');
    const session = await this.sessions.current(req);
    if (!session) {
      return this.flow.showLogin(req, reply, this.requests.returnPath(request), request.client.name);
    }
    if (!this.sessions.verifyCsrf(req, session, form.csrf_token)) {
      throw new AuthorizationPageError(
        'csrf_failed',
        'This form expired or did not come from this site. Start again from the app.',
        403,
      );
    }
    if (errors.decision !== undefined || form.decision === undefined) {
      throw new AuthorizationPageError('invalid_request', 'Choose Allow or Deny.');
    }
    const redirect = await this.consent.decide(
      request,
      session.userId,
      form.decision,
      'POST',
      requestMeta(req),
      authContextOfSession(session),
    );
    return sendRedirect(reply, redirect);
  }
}
