import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ClientsService, type ClientView } from '../../clients/clients.service';
import { Public } from '../../platform/auth/decorators';
import { ApiError } from '../../platform/errors/api-error';
import { ApiBrowserEndpoint, ApiFormBody, ApiQueryParams } from '../../platform/http/api-docs';
import { oauthParams } from '../../platform/http/oauth-params';
import { sendPage } from '../../platform/web/html';
import { SessionsService } from '../../sessions/sessions.service';
import { LOGOUT_CONFIRM_FIELDS, LOGOUT_FIELDS } from '../oauth-params.docs';
import { IdTokenService } from './id-token.service';
import { logoutConfirmPage, LogoutPageError, signedOutPage } from './logout.pages';

function logoutParams(source: unknown): Record<string, string> {
  try {
    // `state` is returned exactly (percent-encoded in the Location header), like the authorization endpoint.
    return oauthParams(source, { allowControlCharacters: true });
  } catch (error) {
    if (error instanceof ApiError) throw new LogoutPageError('invalid_request', error.description);
    throw error;
  }
}

/** The validated place to return to, with `state` (RP-Initiated Logout 1.0 §3). */
function returnLocation(uri: string, state: string | undefined): string {
  const url = new URL(uri);
  if (state !== undefined) url.searchParams.append('state', state);
  return url.toString();
}

/**
 * OpenID Connect RP-Initiated Logout 1.0 (`end_session_endpoint`). Ends the browser session and, when the
 * request proves which app sent it, returns to one of that app's registered post_logout_redirect_uris:
 * - `id_token_hint` must be an id_token we issued (signature, issuer); with `client_id` too, both must
 *   name the same app (§2) — a hint from app A cannot steer app B's logout;
 * - `post_logout_redirect_uri` is followed only when registered for that app, by exact string (§3);
 *   anything else is an error page, never a redirect;
 * - without a valid hint for the signed-in user, the user confirms on a page (a CSRF-protected form) so
 *   that another site cannot sign them out with a link.
 */
const RETURNS =
  'to the app’s registered post_logout_redirect_uri with state (RP-Initiated Logout 1.0 §3), once signed out';
const PAGE_ERRORS =
  'HTML error page: a hint and client_id that disagree, an unknown app, or a post_logout_redirect_uri ' +
  'not registered for it (never redirected to)';

@ApiTags('oauth2')
@Controller('oauth2')
@Public() // The browser session is this endpoint's own business, like the interactive pages.
export class LogoutController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly clients: ClientsService,
    private readonly idTokens: IdTokenService,
  ) {}

  @Get('logout')
  @ApiOperation({
    summary: 'End session endpoint (OpenID Connect RP-Initiated Logout 1.0)',
    description:
      'Open in a browser. With a valid id_token_hint for the signed-in user the session ends at once; ' +
      'otherwise the user confirms on a page first, so another site cannot sign them out with a link.',
  })
  @ApiQueryParams(LOGOUT_FIELDS)
  @ApiBrowserEndpoint({ redirectStatus: 302, redirect: RETURNS, pageErrors: PAGE_ERRORS })
  logoutGet(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return this.logout(req, reply, logoutParams(req.query), false);
  }

  @Post('logout')
  @ApiOperation({
    summary: 'End session endpoint, form post (RP-Initiated Logout 1.0 §2)',
    description: 'As GET, form-encoded; also the confirmation page’s form (logout_confirm, csrf_token).',
  })
  @ApiFormBody(LOGOUT_CONFIRM_FIELDS)
  @ApiBrowserEndpoint({ redirectStatus: 303, redirect: RETURNS, pageErrors: PAGE_ERRORS })
  logoutPost(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const params = logoutParams(req.body);
    return this.logout(req, reply, params, params.logout_confirm === 'yes');
  }

  private async logout(
    req: FastifyRequest,
    reply: FastifyReply,
    params: Record<string, string>,
    confirmed: boolean,
  ): Promise<FastifyReply> {
    const hint =
      params.id_token_hint !== undefined ? this.idTokens.readHint(params.id_token_hint) : undefined;
    if (params.client_id !== undefined && hint && hint.clientId !== params.client_id) {
      throw new LogoutPageError(
        'invalid_request',
        'The sign-out request names one app but carries a sign-in of another app.',
      );
    }
    const clientId = params.client_id ?? hint?.clientId;
    const client = clientId !== undefined ? await this.clients.findActive(clientId) : null;
    if (clientId !== undefined && !client) {
      throw new LogoutPageError('invalid_client', 'The app that sent you here is not registered.');
    }
    const returnTo = this.returnTo(params, client);

    const session = await this.sessions.current(req);
    const done = (): FastifyReply => {
      if (returnTo === undefined) return sendPage(reply, signedOutPage(client?.name));
      return reply
        .status(req.method === 'GET' ? 302 : 303)
        .header('Location', returnLocation(returnTo, params.state))
        .header('Cache-Control', 'no-store')
        .header('Referrer-Policy', 'no-referrer')
        .send();
    };
    if (!session) return done();

    // §2: a valid hint for the signed-in user is the RP's proof that this user asked to sign out.
    const trusted = hint !== undefined && hint.sub === session.userId;
    if (!trusted) {
      if (!confirmed) {
        const page = logoutConfirmPage({
          csrf: this.sessions.csrfFor(req, reply, session),
          appName: client?.name,
          fields: {
            client_id: client?.clientId,
            post_logout_redirect_uri: returnTo,
            state: returnTo !== undefined ? params.state : undefined,
          },
        });
        return sendPage(reply, page);
      }
      if (!this.sessions.verifyCsrf(req, session, params.csrf_token)) {
        throw new LogoutPageError(
          'csrf_failed',
          'This form expired or did not come from this site. Start again from the app.',
          403,
        );
      }
    }
    await this.sessions.end(req, reply);
    return done();
  }

  /** §3: exact match against the app's registered post_logout_redirect_uris, or no redirect at all. */
  private returnTo(params: Record<string, string>, client: ClientView | null): string | undefined {
    const uri = params.post_logout_redirect_uri;
    if (uri === undefined) return undefined;
    if (!client) {
      throw new LogoutPageError(
        'invalid_request',
        'The sign-out request does not say which app it comes from (send id_token_hint or client_id).',
      );
    }
    if (!client.postLogoutRedirectUris.includes(uri)) {
      throw new LogoutPageError('invalid_request', 'The return address is not registered for this app.');
    }
    return uri;
  }
}
