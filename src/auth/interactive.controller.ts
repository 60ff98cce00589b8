import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service';
import { Public } from '../platform/auth/decorators';
import { ApiError, ValidationFailed } from '../platform/errors/api-error';
import { oauthParams } from '../platform/http/oauth-params';
import { requestMeta } from '../platform/http/request-meta';
import { sendPage } from '../platform/web/html';
import { RateLimiter, type RateDecision } from '../platform/rate-limit/rate-limiter.service';
import { TokenEndpoint } from '../tokens/token/token-endpoint.service';
import { UsersService } from '../users/users.service';
import { AuthorizationPageError, AuthorizationRedirect } from './auth.errors';
import { AuthorizationService } from './authorization.service';
import { accountKey, LoginThrottle } from './login-throttle';
import { consentPage, loginPage, signupPage } from './pages';
import { safeReturnTo } from './return-to';
import { SessionsService, type ActiveSession } from '../sessions/sessions.service';
import { authContextOfSession, OidcInteraction } from './oidc/interaction';

function sendRedirect(reply: FastifyReply, redirect: AuthorizationRedirect): FastifyReply {
  return reply.status(redirect.status).headers(redirect.headers).send();
}

/** Form bodies and query strings, one value per name (duplicates are `invalid_request`). */
function formParams(source: unknown): Record<string, string> {
  try {
    // Control characters are allowed here: RFC 6749 §4.1.2.1 returns `state` exactly as received, and every
    // value these routes echo is percent-encoded (locationHeader) or HTML-escaped, never emitted raw.
    return oauthParams(source, { allowControlCharacters: true });
  } catch (error) {
    if (error instanceof ApiError) throw new AuthorizationPageError('invalid_request', error.description);
    throw error;
  }
}

/**
 * Issue 7: `return_to` is a same-origin path (safeReturnTo refuses control characters) but may hold
 * non-ASCII text, which Node refuses in a header (ERR_INVALID_CHAR → a 500, or a hung reply): percent-
 * encode every byte outside printable ASCII (RFC 3986 §2.1), lone surrogates as U+FFFD.
 */
export function locationHeader(path: string): string {
  return path.replace(/[^\x21-\x7e]+/g, (run) =>
    [...Buffer.from(run, 'utf8')]
      .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}

/** "45 seconds", "2 minutes": how long a rate-limited visitor waits. */
function waitText(decision: RateDecision): string {
  const s = decision.retryAfterSeconds;
  if (s < 90) return `${s} second${s === 1 ? '' : 's'}`;
  const minutes = Math.ceil(s / 60);
  return `${minutes} minutes`;
}

/**
 * The interactive part of the code flow: authorization endpoint, login, sign-up, consent, logout.
 * Pages are server-rendered; every form carries a CSRF token bound to the session (or, before sign-in,
 * to a pre-session cookie).
 */
@Controller()
@Public() // These routes manage the browser session themselves.
export class InteractiveController {
  /** Issue 7: growing delay after repeated failed sign-ins for one email. */
  private readonly loginThrottle: LoginThrottle;

  constructor(
    private readonly authorization: AuthorizationService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly tokenEndpoint: TokenEndpoint,
    private readonly audit: AuditService,
    private readonly limiter: RateLimiter,
    private readonly oidc: OidcInteraction,
  ) {
    this.loginThrottle = new LoginThrottle(limiter);
  }

  @Get('oauth2/authorize')
  async authorizeGet(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return this.authorize(req, reply, formParams(req.query));
  }

  @Post('oauth2/authorize')
  async authorizePost(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const body = req.body as Record<string, unknown> | undefined;
    // The published doc's curl example posts the code exchange to the authorization endpoint.
    if (body && typeof body === 'object' && 'grant_type' in body) {
      const tokens = await this.tokenEndpoint.handle(req, reply);
      return reply.status(200).send(tokens);
    }
    return this.authorize(req, reply, formParams(body));
  }

  @Get('auth/login')
  async loginGet(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const params = formParams(req.query);
    // The published doc sends users to /auth/login with the authorization request itself.
    if (params.response_type !== undefined || params.client_id !== undefined)
      return this.authorize(req, reply, params);
    const returnTo = safeReturnTo(params.return_to);
    const session = await this.sessions.current(req);
    if (session) return reply.status(303).header('Location', locationHeader(returnTo)).send();
    return sendPage(reply, loginPage({ csrf: this.sessions.csrfFor(req, reply, null), returnTo }));
  }

  @Post('auth/login')
  async loginPost(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const form = formParams(req.body);
    if (form.email === undefined && (form.response_type !== undefined || form.client_id !== undefined)) {
      return this.authorize(req, reply, form);
    }
    const returnTo = safeReturnTo(form.return_to);
    // Issue 7: per-IP limit first (it bounds everything below, CSRF failures included), then per account.
    const byIp = await this.limiter.hit('login_ip', req.ip);
    if (!byIp.allowed) return this.tooManySignIns(req, reply, returnTo, form.email, byIp);
    if (!this.sessions.verifyCsrf(req, null, form.csrf_token)) return this.csrfFailed(req, reply, returnTo);
    const email = form.email ?? '';
    const password = form.password ?? '';
    const byAccount = await this.limiter.hit('login_account', accountKey(email));
    if (!byAccount.allowed) return this.tooManySignIns(req, reply, returnTo, form.email, byAccount);
    // A locked account answers exactly like a wrong password (same page, status and argon2 cost).
    const { user, locked } = await this.loginThrottle.signIn(email, () =>
      this.users.verifyCredentials(email, password),
    );
    const meta = requestMeta(req);
    if (!user) {
      const known = await this.users.findByEmail(email);
      await this.audit.record({
        type: 'sign_in.failed',
        userId: known?.id,
        ...meta,
        details: { email: email.slice(0, 254), ...(locked ? { locked: true } : {}) },
      });
      const page = loginPage({
        csrf: this.sessions.csrfFor(req, reply, null),
        returnTo,
        email: form.email,
        // One message for unknown email and wrong password: no account enumeration.
        error: 'Email or password is incorrect.',
      });
      return sendPage(reply, page, 401);
    }
    await this.sessions.start(reply, req, user.id);
    // Issue 7: the sign-in limits count failed (and in-flight) attempts; a success gives its hit back.
    await Promise.all([
      this.limiter.refund('login_ip', req.ip),
      this.limiter.refund('login_account', accountKey(email)),
    ]);
    await this.audit.record({ type: 'sign_in.succeeded', userId: user.id, ...meta });
    return reply
      .status(303)
      .header('Location', locationHeader(returnTo))
      .header('Cache-Control', 'no-store')
      .send();
  }

  @Get('auth/signup')
  async signupGet(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const returnTo = safeReturnTo(formParams(req.query).return_to);
    return sendPage(reply, signupPage({ csrf: this.sessions.csrfFor(req, reply, null), returnTo }));
  }

  @Post('auth/signup')
  async signupPost(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const form = formParams(req.body);
    const returnTo = safeReturnTo(form.return_to);
    // Issue 7: sign-ups per IP (mass account creation, probing which emails are taken).
    const byIp = await this.limiter.hit('signup_ip', req.ip);
    if (!byIp.allowed) {
      const page = signupPage({
        csrf: this.sessions.csrfFor(req, reply, null),
        returnTo,
        email: form.email,
        name: form.name,
        error: `Too many accounts were created from your network. Try again in ${waitText(byIp)}.`,
      });
      return sendPage(reply.headers(this.limiter.headers(byIp)), page, 429);
    }
    if (!this.sessions.verifyCsrf(req, null, form.csrf_token)) return this.csrfFailed(req, reply, returnTo);
    try {
      const user = await this.users.create({
        email: form.email ?? '',
        password: form.password ?? '',
        displayName: form.name,
      });
      await this.sessions.start(reply, req, user.id);
      await this.audit.record({ type: 'sign_up', userId: user.id, ...requestMeta(req) });
      return reply.status(303).header('Location', locationHeader(returnTo)).send();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const errors: Record<string, string> = {};
      if (error instanceof ValidationFailed) {
        for (const f of error.fields)
          errors[f.field] =
            `${f.field === 'name' ? 'Name' : f.field === 'email' ? 'Email' : 'Password'} ${f.messages[0]}.`;
      }
      const page = signupPage({
        csrf: this.sessions.csrfFor(req, reply, null),
        returnTo,
        email: form.email,
        name: form.name,
        errors,
        error:
          error instanceof ValidationFailed
            ? undefined
            : 'An account with this email already exists. Sign in instead?',
      });
      return sendPage(reply, page, error.status);
    }
  }

  @Post('auth/logout')
  async logout(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const form = formParams(req.body);
    const session = await this.sessions.current(req);
    if (session && !this.sessions.verifyCsrf(req, session, form.csrf_token ?? req.headers['x-csrf-token'])) {
      return this.csrfFailed(req, reply, '/auth/login');
    }
    await this.sessions.end(req, reply);
    return reply.status(303).header('Location', '/auth/login').send();
  }

  @Get('auth/consent')
  async consentGet(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return this.authorize(req, reply, formParams(req.query));
  }

  @Post('auth/consent')
  async consentPost(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const form = formParams(req.body);
    // Re-validate everything the form carried: hidden fields are user input like any other.
    const request = await this.authorization.validate(form, 'POST');
    const session = await this.sessions.current(req);
    if (!session)
      return this.showLogin(req, reply, this.authorization.returnPath(request.params), request.client.name);
    if (!this.sessions.verifyCsrf(req, session, form.csrf_token)) {
      throw new AuthorizationPageError(
        'csrf_failed',
        'This form expired or did not come from this site. Start again from the app.',
        403,
      );
    }
    if (form.decision === 'approve') {
      const redirect = await this.authorization.approve(
        request,
        session.userId,
        'POST',
        authContextOfSession(session),
      );
      await this.audit.record({
        type: 'consent.granted',
        userId: session.userId,
        clientId: request.client.clientId,
        ...requestMeta(req),
        details: { scope: request.scopes.join(' ') },
      });
      return sendRedirect(reply, redirect);
    }
    if (form.decision === 'deny') return sendRedirect(reply, this.authorization.deny(request, 'POST'));
    throw new AuthorizationPageError('invalid_request', 'Choose Allow or Deny.');
  }

  /** Authorization request → login page, consent page, or straight back to the app with a code. */
  private async authorize(
    req: FastifyRequest,
    reply: FastifyReply,
    params: Record<string, string>,
  ): Promise<FastifyReply> {
    const method = req.method === 'GET' ? 'GET' : 'POST';
    const request = await this.authorization.validate(params, method);
    const session = await this.sessions.current(req);
    // OIDC Core §3.1.2.1: prompt, max_age and id_token_hint decide between login, consent and a code.
    const next = await this.oidc.next({
      params: request.params,
      oidc: request.oidc,
      clientId: request.client.clientId,
      session,
      needsConsent: (userId) => this.authorization.needsConsent(request, userId),
    });
    if (next.step === 'error')
      return sendRedirect(reply, this.authorization.fail(request, method, next.error, next.description));
    if (next.step === 'login' || !session) {
      const params = next.step === 'login' ? next.params : request.params;
      const hint = next.step === 'login' ? next.loginHint : undefined;
      return this.showLogin(req, reply, this.authorization.returnPath(params), request.client.name, hint);
    }
    if (next.step === 'consent') return this.showConsent(req, reply, session, request);
    const approved = await this.authorization.approve(
      request,
      session.userId,
      method,
      authContextOfSession(session),
    );
    return sendRedirect(reply, approved);
  }

  private async showConsent(
    req: FastifyRequest,
    reply: FastifyReply,
    session: ActiveSession,
    request: Awaited<ReturnType<AuthorizationService['validate']>>,
  ): Promise<FastifyReply> {
    const user = await this.users.findById(session.userId);
    const page = consentPage({
      csrf: this.sessions.csrfFor(req, reply, session),
      client: request.client,
      scopes: request.scopes,
      userEmail: user?.email ?? '',
      request: request.params,
    });
    return sendPage(reply, page);
  }

  private showLogin(
    req: FastifyRequest,
    reply: FastifyReply,
    returnTo: string,
    appName?: string,
    email?: string,
  ): FastifyReply {
    const csrf = this.sessions.csrfFor(req, reply, null);
    return sendPage(reply, loginPage({ csrf, returnTo, appName, email }));
  }

  /** Issue 7: the login page again, 429, with Retry-After and RateLimit-* headers. */
  private tooManySignIns(
    req: FastifyRequest,
    reply: FastifyReply,
    returnTo: string,
    email: string | undefined,
    decision: RateDecision,
  ): FastifyReply {
    const page = loginPage({
      csrf: this.sessions.csrfFor(req, reply, null),
      returnTo,
      email,
      error: `Too many sign-in attempts. Please wait ${waitText(decision)} and try again.`,
    });
    return sendPage(reply.headers(this.limiter.headers(decision)), page, 429);
  }

  private csrfFailed(req: FastifyRequest, reply: FastifyReply, returnTo: string): FastifyReply {
    const page = loginPage({
      csrf: this.sessions.csrfFor(req, reply, null),
      returnTo,
      error: 'This form expired or did not come from this site. Please try again.',
    });
    return sendPage(reply, page, 403);
  }
}
