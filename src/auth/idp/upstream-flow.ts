import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { randomToken } from '../../platform/crypto/crypto.service';
import { html, layout, sendPage } from '../../platform/web/html';
import { locationHeader, safeReturnTo } from '../return-to';
import { IdpRegistry } from './idp-registry';
import { runUpstream } from './run-upstream';
import { UpstreamUnavailable } from './upstream-http';
import { UpstreamSignIn } from './upstream-sign-in.service';
import { type RequestWithAttempt, UpstreamRejected, VERIFIED_ATTEMPT } from './upstream-strategy';

export const LINKED_SIGN_INS = '/console/linked-sign-ins';

/**
 * A friendly page for anything that went wrong upstream, with a way back to the password form (and to
 * the authorization request the visitor came from). Never the provider's raw error text.
 */
function upstreamErrorPage(reply: FastifyReply, status: number, title: string, text: string, back: string) {
  const isConsole = back === LINKED_SIGN_INS;
  const href = isConsole ? back : `/auth/login?return_to=${encodeURIComponent(back)}`;
  const label = isConsole ? 'Back to Linked sign-ins' : 'Back to sign in with email and password';
  return sendPage(
    reply,
    layout(
      title,
      html`<h1>${title}</h1>
        <p class="notice bad" role="alert">${text}</p>
        <p><a class="button" href="${href}">${label}</a></p>`,
    ),
    status,
  );
}

function unknownProvider(reply: FastifyReply, back: string): FastifyReply {
  return upstreamErrorPage(
    reply,
    404,
    'Unknown sign-in option',
    'This sign-in option does not exist or was turned off.',
    back,
  );
}

/** The two halves of an upstream sign-in: off to the provider, and back at the callback. */
@Injectable()
export class UpstreamFlow {
  private readonly logger = new Logger(UpstreamFlow.name);

  constructor(
    private readonly registry: IdpRegistry,
    private readonly signIn: UpstreamSignIn,
  ) {}

  /** The provider and its strategy, while it is enabled (on this instance's registry). */
  private enabled(slug: string) {
    const provider = this.registry.provider(slug);
    const strategy = this.registry.strategy(slug);
    return provider && strategy ? { provider, strategy } : undefined;
  }

  async start(
    req: FastifyRequest,
    reply: FastifyReply,
    slug: string,
    returnTo: string,
    linkUserId?: string,
  ): Promise<FastifyReply> {
    const found = this.enabled(slug);
    if (!found) return unknownProvider(reply, returnTo);
    const { provider, strategy } = found;
    const attempt = { slug, nonce: randomToken(), returnTo: safeReturnTo(returnTo), linkUserId };
    const outcome = await strategy.then(
      (s) => runUpstream(s, req, attempt),
      (error: unknown) => ({ kind: 'error' as const, error }),
    );
    if (outcome.kind === 'redirect') {
      this.registry.state.commit(req, reply);
      return reply
        .status(303)
        .header('Location', outcome.location)
        .header('Cache-Control', 'no-store')
        .send();
    }
    this.logger.warn(
      `upstream ${slug} unavailable: ${describe(outcome.kind === 'error' ? outcome.error : outcome)}`,
    );
    return upstreamErrorPage(
      reply,
      502,
      `${provider.name} is not available`,
      `We could not reach ${provider.name} just now. Try again in a moment, or sign in another way.`,
      attempt.returnTo,
    );
  }

  async callback(req: FastifyRequest, reply: FastifyReply, slug: string): Promise<FastifyReply> {
    // Single use, whatever happens next.
    this.registry.state.clear(reply);
    const found = this.enabled(slug);
    if (!found) return unknownProvider(reply, '/console');
    const { provider, strategy } = found;
    const query = req.query as Record<string, unknown>;
    if (query.error !== undefined && typeof query.state === 'string') {
      // passport-oauth2 reports a provider error before it looks at `state`; checking it here only
      // recovers where the visitor came from, for the way back.
      this.registry.state.verify(req, query.state, () => undefined);
    }
    const outcome = await strategy.then(
      (s) => runUpstream(s, req),
      (error: unknown) => ({ kind: 'error' as const, error }),
    );
    const attempt = (req as RequestWithAttempt)[VERIFIED_ATTEMPT];
    const back = attempt ? (attempt.linkUserId ? LINKED_SIGN_INS : attempt.returnTo) : '/console';
    switch (outcome.kind) {
      case 'fail':
        // passport-oauth2 fails for the provider's access_denied (RFC 6749 §4.1.2.1) and for a bad state.
        if (query.error === 'access_denied') {
          return upstreamErrorPage(
            reply,
            403,
            'Sign-in cancelled',
            `${provider.name} did not let you in (you may have cancelled). Nothing was changed.`,
            back,
          );
        }
        return upstreamErrorPage(
          reply,
          400,
          'This sign-in expired',
          'This sign-in was not started in this browser, or took too long. Please start again.',
          back,
        );
      case 'error': {
        const error = outcome.error;
        this.logger.warn(`upstream ${slug} sign-in failed: ${describe(error)}`);
        if (error instanceof UpstreamRejected) {
          return upstreamErrorPage(
            reply,
            401,
            'We could not verify this sign-in',
            `The answer from ${provider.name} did not hold up to our checks, so you were not signed in.`,
            back,
          );
        }
        const down = error instanceof UpstreamUnavailable || !isAuthorizationError(error);
        return upstreamErrorPage(
          reply,
          502,
          down ? `${provider.name} is not available` : `${provider.name} refused the sign-in`,
          down
            ? `${provider.name} did not answer in time. Try again in a moment, or sign in another way.`
            : `${provider.name} reported an error, so you were not signed in.`,
          back,
        );
      }
      case 'redirect':
        return upstreamErrorPage(reply, 400, 'This sign-in expired', 'Please start again.', back);
      case 'success': {
        if (!attempt) throw new Error('a verified callback without its attempt');
        const result = await this.signIn.complete(req, reply, provider, outcome.profile, attempt);
        if (result.outcome === 'refused') {
          return upstreamErrorPage(reply, result.status, 'You were not signed in', result.text, back);
        }
        const location = result.outcome === 'linked' ? `${LINKED_SIGN_INS}?notice=linked` : attempt.returnTo;
        return reply
          .status(303)
          .header('Location', locationHeader(location))
          .header('Cache-Control', 'no-store')
          .send();
      }
    }
  }
}

function isAuthorizationError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AuthorizationError';
}

/** For the log: the error's class and message, never a token or secret (none are in these messages). */
function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return 'no redirect';
}
