import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AuditService } from '../../audit/audit.service';
import { ClientsService, type ClientView } from '../../clients/clients.service';
import { Accepts, type AuthenticatedRequest } from '../../platform/auth/decorators';
import { InvalidToken } from '../../platform/errors/oauth-errors';
import { QueryText } from '../../platform/forms/form';
import { FormBody, type SubmittedForm } from '../../platform/forms/form-body';
import { readCookie } from '../../platform/http/cookies';
import { requestMeta } from '../../platform/http/request-meta';
import { RateLimiter } from '../../platform/rate-limit/rate-limiter.service';
import { sendPage } from '../../platform/web/html';
import { Page, SignInReturnsTo } from '../../platform/web/page.decorator';
import { SessionsService } from '../../sessions/sessions.service';
import { AuthorizationsService } from '../../tokens/authorizations/authorizations.service';
import type { DeviceAuthorization } from '../../tokens/device/device-authorization.entity';
import { DeviceAuthorizationsService } from '../../tokens/device/device-authorizations.service';
import { formatUserCode, normalizeUserCode } from '../../tokens/device/user-code';
import { UsersService, type UserView } from '../../users/users.service';
import { authContextOfSession } from '../authorize/oidc-interaction';
import { DeviceDecisionForm } from './device.dto';
import { DEVICE_HOME, deviceCodePage, deviceConfirmPage, deviceDonePage } from './device.pages';

const UNKNOWN_CODE =
  'That code is not valid, or it expired. Check the code on your device; if it expired, start again there.';

type Lookup =
  | { found: true; row: DeviceAuthorization; client: ClientView; code: string }
  | { found: false; error: string };

/**
 * RFC 8628 §3.3 user interaction: the signed-in user (any way the login page offers; a signed-out
 * visitor is sent there and back, code included) enters or confirms the code, sees the app and the
 * scopes, and allows or denies. A user code is short (≈ 2^34.6), so guesses are limited per IP and
 * per code (RFC 8628 §5.1).
 */
@Controller('device')
@Page({ home: DEVICE_HOME })
@Accepts('session')
export class DeviceController {
  constructor(
    private readonly devices: DeviceAuthorizationsService,
    private readonly clients: ClientsService,
    private readonly authorizations: AuthorizationsService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditService,
  ) {}

  @Get()
  async show(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @QueryText('user_code') userCode: string | undefined,
  ): Promise<FastifyReply> {
    const { user, csrf } = await this.viewer(req);
    if (userCode === undefined || userCode.trim() === '') {
      return sendPage(reply, deviceCodePage({ userEmail: user.email }));
    }
    const lookup = await this.lookup(req, userCode);
    if (!lookup.found) {
      return sendPage(reply, deviceCodePage({ userEmail: user.email, userCode, error: lookup.error }), 400);
    }
    return sendPage(
      reply,
      deviceConfirmPage({
        csrf,
        userEmail: user.email,
        userCode: formatUserCode(lookup.code),
        client: lookup.client,
        scopes: lookup.row.scopes,
      }),
    );
  }

  @Post()
  @SignInReturnsTo('/device')
  async decide(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @FormBody(DeviceDecisionForm) form: SubmittedForm<DeviceDecisionForm>,
  ): Promise<FastifyReply> {
    const { user } = await this.viewer(req);
    const lookup = await this.lookup(req, form.values.user_code);
    if (!lookup.found) {
      return sendPage(reply, deviceCodePage({ userEmail: user.email, error: lookup.error }), 400);
    }
    if (!form.valid) {
      return sendPage(
        reply,
        deviceCodePage({
          userEmail: user.email,
          userCode: formatUserCode(lookup.code),
          error: 'Choose Allow or Deny.',
        }),
        400,
      );
    }
    const { row, client } = lookup;
    const approved = form.values.decision === 'approve';
    let decided: boolean;
    if (approved) {
      const session = await this.sessions.current(req);
      if (!session) throw new InvalidToken('the session ended; sign in again');
      // The same user×client authorization the code flow uses: revoking the app in the console kills it.
      const grant = await this.authorizations.approve(user.id, client.clientId, row.scopes);
      decided = await this.devices.decide(row, {
        status: 'approved',
        userId: user.id,
        grantId: grant.id,
        auth: authContextOfSession(session),
      });
      if (decided) {
        await this.audit.record({
          type: 'consent.granted',
          userId: user.id,
          clientId: client.clientId,
          ...requestMeta(req),
          details: { scope: row.scopes.join(' '), via: 'device_authorization' },
        });
      }
    } else {
      decided = await this.devices.decide(row, { status: 'denied', userId: user.id });
    }
    // Answered in another tab, or expired, between the page and the click.
    if (!decided) return sendPage(reply, deviceCodePage({ userEmail: user.email, error: UNKNOWN_CODE }), 400);
    return sendPage(reply, deviceDonePage({ approved, appName: client.name }));
  }

  /**
   * The pending request a typed code stands for. Every lookup counts against the IP's budget before the
   * database is asked (so a parallel burst cannot outrun it) and is given back when the code was right:
   * only wrong codes use the budget up. Each code also has its own small budget of entries.
   */
  private async lookup(req: FastifyRequest, typed: string): Promise<Lookup> {
    const ip = req.ip;
    const blocked = this.limiter.blocked('device_user_code_ip', ip);
    if (blocked) throw this.limiter.tooMany(blocked, 'too many codes tried: wait before trying again');
    const byIp = await this.limiter.hit('device_user_code_ip', ip);
    if (!byIp.allowed) throw this.limiter.tooMany(byIp, 'too many codes tried: wait before trying again');
    const code = normalizeUserCode(typed);
    if (!code) return { found: false, error: UNKNOWN_CODE };
    const byCode = await this.limiter.hit('device_user_code', code);
    if (!byCode.allowed) {
      // Refused before any lookup: nothing was learnt, so it is no guess against the IP's budget.
      await this.limiter.refund('device_user_code_ip', ip);
      throw this.limiter.tooMany(byCode, 'this code was tried too often: wait before trying again');
    }
    const row = await this.devices.findPending(code);
    const client = row ? await this.clients.findActive(row.clientId) : null;
    if (!row || !client) return { found: false, error: UNKNOWN_CODE };
    await this.limiter.refund('device_user_code_ip', ip);
    return { found: true, row, client, code };
  }

  /** The signed-in user (the global guard accepted the session) and the CSRF token for the form. */
  private async viewer(req: FastifyRequest): Promise<{ user: UserView; csrf: string }> {
    const principal = (req as AuthenticatedRequest).principal;
    const cookie = readCookie(req, this.sessions.cookieName);
    if (principal?.via !== 'session' || !principal.userId || !cookie) {
      throw new InvalidToken('sign in to connect a device');
    }
    const user = await this.users.findById(principal.userId);
    if (!user) throw new InvalidToken('the account no longer exists; sign in again');
    return { user, csrf: this.sessions.csrfToken(cookie) };
  }
}
