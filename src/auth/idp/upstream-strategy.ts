import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

import { JwtService, type JwtVerifyOptions } from '@nestjs/jwt';
import type { FastifyRequest } from 'fastify';
import OAuth2Strategy, { type StateStoreStoreCallback, type StateStoreVerifyCallback } from 'passport-oauth2';

import type { IdentityProviderConfig } from './identity-providers.service';
import { fetchJson, UPSTREAM_TIMEOUT_MS, UpstreamUnavailable } from './upstream-http';

/** What a successful upstream sign-in yields. Upstream access and refresh tokens are not kept. */
export interface UpstreamProfile {
  subject: string;
  email: string | null;
  /** Only when the provider says so (OIDC Core §5.1 `email_verified`, GitHub's verified primary email). */
  emailVerified: boolean;
  name: string | null;
  /** RFC 8176 methods the provider reports (OIDC Core §2 `amr`), if any. */
  amr: string[];
}

/** What we remember between the redirect and the callback (sealed in a cookie by UpstreamStateStore). */
export interface UpstreamAttempt {
  slug: string;
  /** OIDC Core §3.1.2.1: binds the id_token to this browser's request. */
  nonce: string;
  returnTo: string;
  /** Set when a signed-in user links this provider from the console. */
  linkUserId?: string;
}

/** The id_token, userinfo or profile did not hold up: never a sign-in. */
export class UpstreamRejected extends Error {}

/** Where the state store leaves the attempt it verified, for the id_token's nonce check. */
export const VERIFIED_ATTEMPT = Symbol('verifiedAttempt');
export type RequestWithAttempt = FastifyRequest & { [VERIFIED_ATTEMPT]?: UpstreamAttempt };

export interface UpstreamStateStore {
  store(req: unknown, verifier: string, state: unknown, meta: unknown, cb: StateStoreStoreCallback): void;
  verify(req: unknown, state: string, cb: StateStoreVerifyCallback): void;
}

interface Endpoints {
  authorizationUrl: string;
  tokenUrl: string;
  userinfoUrl: string | null;
}

type Verified = (err: Error | null, profile?: UpstreamProfile | false) => void;

/** node-oauth has no timeout of its own: its requests get an abort signal (UPSTREAM_TIMEOUT_MS). */
interface NodeOAuth2Internals {
  _executeRequest(
    library: { request(options: object): unknown },
    options: object,
    body: unknown,
    callback: unknown,
  ): void;
}

function boundedRequests(oauth2: unknown): void {
  const internals = oauth2 as NodeOAuth2Internals;
  const execute = internals._executeRequest.bind(internals);
  internals._executeRequest = (library, options, body, callback) =>
    execute(
      { request: (o: object) => library.request({ ...o, signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) }) },
      options,
      body,
      callback,
    );
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * One upstream provider as a passport-oauth2 strategy: `state` and PKCE S256 on every request (RFC 6749
 * §10.12, RFC 7636 §4.2), the state kept by our sealed-cookie store. This base class speaks plain OAuth 2.0
 * with a GitHub-shaped user endpoint; OidcUpstreamStrategy validates an id_token instead.
 */
export class UpstreamStrategy extends OAuth2Strategy {
  constructor(
    readonly provider: IdentityProviderConfig,
    protected readonly endpoints: Endpoints,
    callbackURL: string,
    store: UpstreamStateStore,
  ) {
    const holder: { self?: UpstreamStrategy } = {};
    super(
      {
        authorizationURL: endpoints.authorizationUrl,
        tokenURL: endpoints.tokenUrl,
        clientID: provider.clientId,
        clientSecret: provider.clientSecret,
        callbackURL,
        scope: provider.scope || undefined,
        pkce: true,
        state: true,
        store: store as unknown as OAuth2Strategy.StateStore,
        passReqToCallback: true,
        skipUserProfile: true,
        // GitHub answers the token request with a form unless asked for JSON.
        customHeaders: { accept: 'application/json' },
      },
      ((
        req: RequestWithAttempt,
        accessToken: string,
        _refreshToken: string,
        params: Record<string, unknown>,
        _profile: unknown,
        done: Verified,
      ) => {
        const attempt = req[VERIFIED_ATTEMPT];
        holder.self!.profileFrom(accessToken, params, attempt).then(
          (profile) => done(null, profile),
          (error: Error) => done(error),
        );
        // passport-oauth2 passes the token response (`params`) to a verify function of arity 6.
      }) as unknown as OAuth2Strategy.VerifyFunctionWithRequest,
    );
    holder.self = this;
    this.name = `idp:${provider.slug}`;
    boundedRequests(this._oauth2);
  }

  /** GitHub's shape: `GET /user`, and `GET /user/emails` for a verified primary address. */
  protected async profileFrom(
    accessToken: string,
    _params: Record<string, unknown>,
    _attempt: UpstreamAttempt | undefined,
  ): Promise<UpstreamProfile> {
    const userinfoUrl = this.endpoints.userinfoUrl;
    if (!userinfoUrl) throw new UpstreamRejected('no user endpoint configured');
    const auth = { authorization: `Bearer ${accessToken}` };
    const user = (await fetchJson(userinfoUrl, 'user endpoint', auth)) as Record<string, unknown>;
    const id = user?.id;
    const subject = typeof id === 'number' ? String(id) : str(id);
    if (!subject) throw new UpstreamRejected('the user endpoint named no user');
    let email: string | null = null;
    let emailVerified = false;
    try {
      const emails = await fetchJson(`${userinfoUrl}/emails`, 'email endpoint', auth);
      const primary = Array.isArray(emails)
        ? (emails as Record<string, unknown>[]).find((e) => e?.primary === true && e?.verified === true)
        : undefined;
      if (primary && str(primary.email)) {
        email = str(primary.email);
        emailVerified = true;
      }
    } catch {
      // Without the user:email scope there is only the public address, and nothing says it was verified.
    }
    email ??= str(user.email);
    return { subject, email, emailVerified, name: str(user.name) ?? str(user.login), amr: [] };
  }
}

/** OIDC Discovery 1.0 §3, the fields we use. */
export interface DiscoveredProvider {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint?: string;
  jwks_uri: string;
}

const ID_TOKEN_ALGORITHMS = ['RS256', 'ES256', 'PS256', 'RS384', 'ES384', 'PS384', 'RS512', 'PS512'] as const;
const CLOCK_TOLERANCE_SECONDS = 30;
const JWKS_REFRESH_MS = 60_000;

/** OIDC Discovery 1.0 §4: the configuration document, whose issuer must be the one configured (§4.3). */
export async function discover(issuer: string): Promise<DiscoveredProvider> {
  const doc = (await fetchJson(
    `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
    'discovery document',
  )) as Partial<DiscoveredProvider>;
  const required = [doc?.authorization_endpoint, doc?.token_endpoint, doc?.jwks_uri, doc?.issuer];
  if (required.some((v) => typeof v !== 'string')) {
    throw new UpstreamUnavailable('discovery document (incomplete)');
  }
  if (doc.issuer!.replace(/\/$/, '') !== issuer.replace(/\/$/, '')) {
    throw new UpstreamRejected('the discovery document names another issuer');
  }
  return doc as DiscoveredProvider;
}

/**
 * An OpenID provider: the id_token from the token response is validated as OIDC Core §3.1.3.7 says —
 * signature with a key from the provider's JWKS, `iss`, `aud` (our client id), `azp` when several
 * audiences, `exp`, and the `nonce` we sent — and the userinfo response must name the same `sub`
 * (§5.3.2).
 */
export class OidcUpstreamStrategy extends UpstreamStrategy {
  private keys = new Map<string, KeyObject>();
  private keysFetchedAt = 0;
  private readonly jwt = new JwtService();

  constructor(
    provider: IdentityProviderConfig,
    private readonly discovered: DiscoveredProvider,
    callbackURL: string,
    store: UpstreamStateStore,
  ) {
    super(
      provider,
      {
        authorizationUrl: provider.authorizationUrl ?? discovered.authorization_endpoint,
        tokenUrl: provider.tokenUrl ?? discovered.token_endpoint,
        userinfoUrl: provider.userinfoUrl ?? discovered.userinfo_endpoint ?? null,
      },
      callbackURL,
      store,
    );
  }

  /** OIDC Core §3.1.2.1: the nonce goes with the authorization request. */
  override authorizationParams(options: { state?: UpstreamAttempt }): object {
    return options.state?.nonce ? { nonce: options.state.nonce } : {};
  }

  protected override async profileFrom(
    accessToken: string,
    params: Record<string, unknown>,
    attempt: UpstreamAttempt | undefined,
  ): Promise<UpstreamProfile> {
    if (!attempt) throw new UpstreamRejected('no sign-in attempt');
    const idToken = str(params.id_token);
    if (!idToken) throw new UpstreamRejected('the token response carried no id_token');
    const claims = await this.validateIdToken(idToken, attempt.nonce);
    const subject = str(claims.sub)!;
    let profile: Record<string, unknown> = claims;
    if (this.endpoints.userinfoUrl) {
      const info = (await fetchJson(this.endpoints.userinfoUrl, 'userinfo endpoint', {
        authorization: `Bearer ${accessToken}`,
      })) as Record<string, unknown>;
      // OIDC Core §5.3.2: a userinfo response about someone else must not be used.
      if (info?.sub !== subject) throw new UpstreamRejected('userinfo named another subject');
      profile = { ...claims, ...info };
    }
    const amr = Array.isArray(claims.amr) ? claims.amr.filter((m): m is string => typeof m === 'string') : [];
    return {
      subject,
      email: str(profile.email),
      // OIDC Core §5.1: only a literal true means the provider verified the address.
      emailVerified: profile.email_verified === true,
      name: str(profile.name) ?? str(profile.preferred_username),
      amr,
    };
  }

  private async validateIdToken(idToken: string, nonce: string): Promise<Record<string, unknown>> {
    const [encodedHeader, encodedPayload] = idToken.split('.');
    let header: { kid?: unknown; alg?: unknown };
    let unverified: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8')) as typeof header;
      unverified = JSON.parse(Buffer.from(encodedPayload ?? '', 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
    } catch {
      throw new UpstreamRejected('the id_token is malformed');
    }
    const alg = header?.alg;
    if (typeof alg !== 'string' || !(ID_TOKEN_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new UpstreamRejected('the id_token uses an algorithm we do not accept');
    }
    const key = await this.key(typeof header.kid === 'string' ? header.kid : undefined);
    // Microsoft's multi-tenant issuer is a template: the token's tenant (`tid`) fills it in.
    const issuer = this.discovered.issuer.includes('{tenantid}')
      ? this.discovered.issuer.replace('{tenantid}', str(unverified.tid) ?? '')
      : this.discovered.issuer;
    const options = {
      publicKey: key,
      algorithms: [alg],
      issuer,
      audience: this.provider.clientId,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    };
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verifyAsync<Record<string, unknown>>(
        idToken,
        options as unknown as JwtVerifyOptions,
      );
    } catch {
      throw new UpstreamRejected('the id_token did not validate (signature, iss, aud or exp)');
    }
    // jsonwebtoken accepts a token without exp; OIDC Core §2 requires it.
    if (typeof claims.exp !== 'number' || !str(claims.sub)) {
      throw new UpstreamRejected('the id_token lacks exp or sub');
    }
    // OIDC Core §3.1.3.7 (3, 4): several audiences need azp, and it must be us.
    if (Array.isArray(claims.aud) && claims.aud.length > 1 && claims.azp !== this.provider.clientId) {
      throw new UpstreamRejected('the id_token was issued to another party');
    }
    // §3.1.3.7 (11): the nonce we sent, or this is a replayed or injected id_token.
    if (claims.nonce !== nonce) throw new UpstreamRejected('the id_token nonce does not match');
    return claims;
  }

  /** A key from the provider's JWKS by kid; an unknown kid re-reads the set (key rotation), at most once a minute. */
  private async key(kid: string | undefined): Promise<KeyObject> {
    const pick = () =>
      kid !== undefined ? this.keys.get(kid) : this.keys.size === 1 ? [...this.keys.values()][0] : undefined;
    let key = pick();
    if (!key && Date.now() - this.keysFetchedAt > JWKS_REFRESH_MS) {
      const jwks = (await fetchJson(this.discovered.jwks_uri, 'key set')) as { keys?: unknown };
      const keys = new Map<string, KeyObject>();
      for (const jwk of Array.isArray(jwks?.keys) ? (jwks.keys as (JsonWebKey & { use?: string })[]) : []) {
        if (jwk.use !== undefined && jwk.use !== 'sig') continue;
        try {
          keys.set(str(jwk.kid) ?? '', createPublicKey({ key: jwk, format: 'jwk' }));
        } catch {
          // A key type node cannot read is simply not usable.
        }
      }
      this.keys = keys;
      this.keysFetchedAt = Date.now();
      key = pick();
    }
    if (!key) throw new UpstreamRejected('the id_token was signed with an unknown key');
    return key;
  }
}
