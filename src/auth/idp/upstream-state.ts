import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StateStoreStoreCallback, StateStoreVerifyCallback } from 'passport-oauth2';

import { constantTimeEqual, randomToken } from '../../platform/crypto/crypto.service';
import { SealedBox, SealedBoxOpenFailed } from '../../platform/crypto/sealed-box';
import { clearCookie, readCookie, setCookie } from '../../platform/http/cookies';
import {
  type RequestWithAttempt,
  type UpstreamAttempt,
  type UpstreamStateStore,
  VERIFIED_ATTEMPT,
} from './upstream-strategy';

/** How long a browser may spend at the provider before the callback is refused. */
const ATTEMPT_TTL_SECONDS = 600;
const CONTEXT = 'upstream-sign-in-state';
const PENDING = Symbol('pendingStateCookie');

interface Sealed {
  /** The `state` parameter (RFC 6749 §10.12): random, compared in constant time on the callback. */
  s: string;
  /** The PKCE code_verifier (RFC 7636 §4.1). */
  v: string;
  a: UpstreamAttempt;
  exp: number;
}

/**
 * passport-oauth2's state store, kept in the browser rather than a server session: one sealed (AES-GCM)
 * cookie holds the state, the PKCE verifier, the nonce and where to go back, so any instance can finish
 * the sign-in another started. SameSite=Lax: the callback is a top-level GET from the provider's site.
 * The cookie is single use — the callback clears it whatever the outcome.
 */
export class UpstreamStateCookie implements UpstreamStateStore {
  readonly name: string;

  constructor(
    private readonly box: SealedBox,
    private readonly secure: boolean,
  ) {
    this.name = secure ? '__Host-iiniit_upstream' : 'iiniit_upstream';
  }

  store(req: unknown, verifier: string, state: unknown, _meta: unknown, cb: StateStoreStoreCallback): void {
    const handle = randomToken();
    const sealed: Sealed = {
      s: handle,
      v: verifier,
      a: state as UpstreamAttempt,
      exp: Math.floor(Date.now() / 1000) + ATTEMPT_TTL_SECONDS,
    };
    (req as Record<symbol, string>)[PENDING] = this.box.seal(JSON.stringify(sealed), CONTEXT);
    cb(null, handle);
  }

  verify(req: unknown, providedState: string, cb: StateStoreVerifyCallback): void {
    const request = req as RequestWithAttempt & { params?: { slug?: string } };
    const refuse = () => cb(null, false, { message: 'state' });
    const cookie = readCookie(request, this.name);
    if (!cookie || typeof providedState !== 'string' || providedState.length > 100) return refuse();
    let sealed: Sealed;
    try {
      sealed = JSON.parse(this.box.open(cookie, CONTEXT)) as Sealed;
    } catch (error) {
      if (error instanceof SealedBoxOpenFailed || error instanceof SyntaxError) return refuse();
      throw error;
    }
    if (!constantTimeEqual(sealed.s, providedState)) return refuse();
    if (sealed.exp < Date.now() / 1000) return refuse();
    // A state minted for one provider is no good at another's callback.
    if (sealed.a?.slug !== request.params?.slug) return refuse();
    request[VERIFIED_ATTEMPT] = sealed.a;
    // PKCE: passport-oauth2 takes a string `ok` as the code_verifier for the token request.
    (cb as unknown as (err: null, verifier: string, state: unknown) => void)(null, sealed.v, sealed.a);
  }

  /** After the redirect to the provider was decided: the cookie the store prepared. */
  commit(req: FastifyRequest, reply: FastifyReply): void {
    const value = (req as unknown as Record<symbol, string | undefined>)[PENDING];
    if (value) setCookie(reply, this.name, value, { secure: this.secure, maxAge: ATTEMPT_TTL_SECONDS });
  }

  clear(reply: FastifyReply): void {
    clearCookie(reply, this.name, this.secure);
  }
}
