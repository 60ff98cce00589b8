import { Inject, Injectable } from '@nestjs/common';

import type { AuthenticatedClient } from '../../clients/client.strategy';
import { ClientsService } from '../../clients/clients.service';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { ResourcesService } from '../../resources/resources.service';
import { AuthorizationsService } from '../authorizations/authorizations.service';
import { AccessTokensService, apiAudience, type VerifiedAccessToken } from '../jwt/access-tokens.service';
import { API_KEY_ACTOR_PREFIX } from '../jwt/jwt.strategy';
import type { RefreshToken } from '../refresh-tokens/refresh-token.entity';
import { RefreshTokensService } from '../refresh-tokens/refresh-tokens.service';
import { RevocationService } from '../revocation/revocation.service';
import { formatScope } from '../scopes';

/** The `aud` a JWT claims, read without verifying anything (it only selects the audience to verify). */
function claimedAudience(jwt: string): string | undefined {
  try {
    const payload: unknown = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
    const aud =
      typeof payload === 'object' && payload !== null ? (payload as { aud?: unknown }).aud : undefined;
    return typeof aud === 'string' && aud.length <= 512 ? aud : undefined;
  } catch {
    return undefined;
  }
}

export type IntrospectionResponse = { active: false } | ({ active: true } & Record<string, unknown>);

const INACTIVE: IntrospectionResponse = { active: false };

/** A JWT has three base64url segments; anything else can only be a refresh token. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Looks a presented token up as an access token (JWT) or a refresh token (opaque), ignoring
 * token_type_hint where it is wrong (RFC 7662 §2.1 and RFC 7009 §2.1 make it only a hint).
 */
type FoundToken =
  | { type: 'access_token'; token: VerifiedAccessToken; audience: string }
  | { type: 'refresh_token'; token: RefreshToken }
  | undefined;

@Injectable()
export class IntrospectionService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly accessTokens: AccessTokensService,
    private readonly refreshTokens: RefreshTokensService,
    private readonly revocation: RevocationService,
    private readonly authorizations: AuthorizationsService,
    private readonly clients: ClientsService,
    private readonly resources: ResourcesService,
  ) {}

  async find(raw: string): Promise<FoundToken> {
    if (JWT_SHAPE.test(raw)) {
      // RFC 8707: a token for a registered resource is verified against that audience (strictly, like
      // any other); the claim only picks which registered audience to check.
      const claimed = claimedAudience(raw);
      const resource = claimed === undefined ? undefined : await this.resources.find(claimed);
      const audience = resource?.uri ?? apiAudience(this.config);
      const token = await this.accessTokens.verify(raw, audience).catch(() => undefined);
      return token ? { type: 'access_token', token, audience } : undefined;
    }
    const token = await this.refreshTokens.find(raw);
    return token ? { type: 'refresh_token', token } : undefined;
  }

  /**
   * RFC 7662 §2.2. Who may see what: a client sees its own tokens; an internal service (a confidential
   * client allowed client_credentials, i.e. a resource server) also sees access tokens issued to others.
   * Everything else — unknown, expired, revoked, rotated, malformed, not visible — is `{active:false}`.
   */
  async introspect(raw: string, caller: AuthenticatedClient): Promise<IntrospectionResponse> {
    const found = await this.find(raw);
    if (!found) return INACTIVE;
    const now = Math.floor(Date.now() / 1000);
    const common = { iss: this.config.issuer, aud: apiAudience(this.config) };
    if (found.type === 'access_token') {
      const t = found.token;
      const resourceServer =
        (caller.client.grantTypes.includes('client_credentials') && caller.client.type === 'confidential') ||
        // A registered resource's own client sees the tokens issued for it.
        (found.audience !== apiAudience(this.config) &&
          (await this.resources.find(found.audience))?.clientId === caller.client.clientId);
      if (t.clientId !== caller.client.clientId && !resourceServer) return INACTIVE;
      if (this.revocation.isRevoked(t.jti, t.grantId) || t.exp <= now) return INACTIVE;
      // Same rule as the resource API (JwtStrategy): a deleted client's tokens are dead.
      const keyAlone = t.clientId === t.actor && t.clientId.startsWith(API_KEY_ACTOR_PREFIX);
      if (!keyAlone && !(await this.clients.findActive(t.clientId))) return INACTIVE;
      return {
        active: true,
        // RFC 9449 §6.2: a DPoP-bound token is introspected with its type and `cnf.jkt`.
        token_type: t.jkt ? 'DPoP' : 'Bearer',
        ...(t.jkt ? { cnf: { jkt: t.jkt } } : {}),
        // RFC 8693 §4.1: who acts for the subject.
        ...(t.actor ? { act: { sub: t.actor } } : {}),
        scope: formatScope(t.scopes),
        client_id: t.clientId,
        sub: t.sub,
        exp: t.exp,
        iat: t.iat,
        jti: t.jti,
        ...common,
        // RFC 7662 §2.2 / RFC 8707: the audience the token was issued (and verified) for.
        aud: found.audience,
      };
    }
    const t = found.token;
    if (t.clientId !== caller.client.clientId) return INACTIVE;
    if (
      t.rotatedAt ||
      t.revokedAt ||
      t.expiresAt.getTime() <= Date.now() ||
      !(await this.authorizations.isActive(t.grantId))
    ) {
      return INACTIVE;
    }
    return {
      active: true,
      token_type: 'refresh_token',
      scope: formatScope(t.scopes),
      client_id: t.clientId,
      sub: t.userId,
      exp: Math.floor(t.expiresAt.getTime() / 1000),
      iat: Math.floor(t.createdAt.getTime() / 1000),
      ...common,
    };
  }
}
