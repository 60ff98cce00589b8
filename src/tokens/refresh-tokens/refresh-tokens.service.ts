import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type ObjectLiteral, Repository } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { deleteBatch } from '../../database/batch-delete';
import { preparedFindOne, queryPrepared } from '../../database/prepared';
import { randomToken, SecretHasher } from '../../platform/crypto/crypto.service';
import { type AuthContext, storedAuthContext } from '../oidc/auth-context';
import { RefreshToken } from './refresh-token.entity';
import { RETRY, ROTATE } from './refresh-token-statements';

/** Prefix makes leaked refresh tokens recognisable to secret scanners. */
const PREFIX = 'iirt_';

/** A stored refresh token, and whether its authorization is still active (read in the same statement). */
export type FoundRefreshToken = WithGrantActive<RefreshToken>;

/**
 * `grant_active` of a row aliased `t`: the authorization (RFC 9700 §4.14.2 family) is not revoked. Read in
 * the lookup, so a token request costs one round trip less than a separate check.
 */
const GRANT_ACTIVE = `EXISTS (SELECT 1 FROM "authorizations" a WHERE a."id" = t."grant_id" AND a."revoked_at" IS NULL)`;

/** A row found by its hash, with whether its authorization is still active. */
export type WithGrantActive<E> = E & { grantActive: boolean };

/** The prepared lookup of a refresh token or an authorization code by the hash in `hashColumn`, with GRANT_ACTIVE. */
export function findByHashWithGrant<E extends ObjectLiteral>(
  repository: Repository<E>,
  name: string,
  hashColumn: string,
): (hash: string) => Promise<WithGrantActive<E> | null> {
  const find = preparedFindOne<E, { grantActive: boolean }>(
    repository,
    name,
    `${GRANT_ACTIVE} AS "grantActive"`,
    `t."${hashColumn}" = $1`,
  );
  return (hash) => find([hash]);
}

/** A refresh token before it is stored: the caller's statement inserts `hash`, the client gets `token`. */
export interface MintedRefreshToken {
  token: string;
  hash: string;
  expiresAt: Date;
  /** RFC 9449 §5: the DPoP key a public client's refresh token is bound to. */
  dpopJkt?: string;
}

@Injectable()
export class RefreshTokensService {
  private readonly findByHash: (hash: string) => Promise<FoundRefreshToken | null>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(RefreshToken) private readonly tokens: Repository<RefreshToken>,
    private readonly hasher: SecretHasher,
  ) {
    this.findByHash = findByHashWithGrant(tokens, 'refresh_tokens.find', 'token_hash');
  }

  /** 256 random bits, stored only as a hash, valid REFRESH_TOKEN_TTL seconds. */
  mint(dpopJkt?: string): MintedRefreshToken {
    const token = PREFIX + randomToken();
    return {
      ...(dpopJkt ? { dpopJkt } : {}),
      token,
      hash: this.hasher.hash(token),
      expiresAt: new Date(Date.now() + this.config.refreshTokenTtl * 1000),
    };
  }

  /** The first token of a chain, outside a code redemption (operator tooling and tests). */
  async issue({
    auth,
    dpopJkt,
    ...input
  }: {
    grantId: string;
    clientId: string;
    userId: string;
    scopes: string[];
    /** The sign-in that refreshed id_tokens keep stating (OIDC Core §12.2). */
    auth?: AuthContext;
    /** RFC 9449 §5: a public client's refresh token is bound to its DPoP key. */
    dpopJkt?: string;
  }): Promise<string> {
    const minted = this.mint(dpopJkt);
    await this.tokens.insert({
      ...input,
      dpopJkt: minted.dpopJkt ?? null,
      ...storedAuthContext(auth),
      tokenHash: minted.hash,
      expiresAt: minted.expiresAt,
    });
    return minted.token;
  }

  async find(token: string): Promise<FoundRefreshToken | null> {
    if (!token.startsWith(PREFIX) || token.length > 200) return null;
    return this.findByHash(this.hasher.hash(token));
  }

  /**
   * Marks `presented` used and stores its successor in one statement (see ROTATE). Of any number of
   * concurrent rotations of one token exactly one gets the successor; the others get null (reuse).
   */
  async rotate(presented: RefreshToken): Promise<string | null> {
    const successor = this.mint();
    const rows = await queryPrepared(this.tokens.manager.connection, ROTATE, [
      presented.id,
      successor.hash,
      successor.expiresAt,
    ]);
    return rows.length === 1 ? successor.token : null;
  }

  /** True while a rotated token may still be retried (the caller then calls `retry`). */
  retryable(presented: RefreshToken, now = Date.now()): boolean {
    const grace = this.config.refreshRetryGrace * 1000;
    return (
      grace > 0 &&
      presented.rotatedAt !== null &&
      presented.retriedAt === null &&
      presented.revokedAt === null &&
      presented.rotatedAt.getTime() + grace > now
    );
  }

  /**
   * The retry grace (see RETRY): a fresh successor replaces the unused one, once, within
   * REFRESH_RETRY_GRACE of the rotation. Null when the grace is spent, over, or the successor was used.
   */
  async retry(presented: RefreshToken): Promise<string | null> {
    const successor = this.mint();
    const rows = await this.tokens.query<unknown[]>(RETRY, [
      presented.id,
      successor.hash,
      successor.expiresAt,
      this.config.refreshRetryGrace,
    ]);
    return rows.length === 1 ? successor.token : null;
  }

  /**
   * One bounded batch of refresh tokens rotated or expired more than `retentionSeconds` ago (the
   * janitor repeats it); returns the rows deleted. Until then a rotated token stays, so presenting it
   * again is still recognised as reuse (RFC 9700 §4.14.2) and revokes its authorization.
   */
  async purgeExpired(batch = 1000, retentionSeconds = 7 * 86400): Promise<number> {
    return deleteBatch(
      this.tokens,
      `"rotated_at" < now() - $1 * interval '1 second' OR "expires_at" < now() - $1 * interval '1 second'`,
      [retentionSeconds],
      batch,
    );
  }
}
