import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { deleteBatch } from '../../database/batch-delete';
import { ChangeFeed } from '../../platform/cache/change-feed.service';
import { Authorization } from '../authorizations/authorization.entity';
import { CLOCK, type Clock } from '../jwt/clock';
import { JWT_TIMINGS, type JwtTimings, REVOCATIONS_CHANNEL } from '../jwt/jwt.constants';
import { RevokedToken } from './revoked-token.entity';

/**
 * A change-feed message: `exp` (epoch seconds) is when the entry may be forgotten. `grant` names a revoked
 * user×client authorization by the id its tokens carry as `grant_id`; the word stays because instances of
 * different versions share the channel.
 */
interface RevocationMessage {
  type: 'jti' | 'grant';
  id: string;
  exp: number;
}

/** The jti we mint is base64url; revoked_tokens.jti is varchar(64). */
const JTI = /^[A-Za-z0-9_-]{1,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Polls re-read a little before the previous poll: a revocation whose transaction began before the last
 * poll (so its now() is earlier) but committed after it would otherwise be skipped.
 */
const POLL_OVERLAP_MS = 10_000;

/** Entries outlive their token by more than the verifier's 5 s clock tolerance (RFC 7519 §4.1.4 leeway). */
const RETENTION_MARGIN_MS = 60_000;

export function parseRevocationMessage(raw: string): RevocationMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, id, exp } = value as Record<string, unknown>;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || typeof id !== 'string') return undefined;
  if (type === 'jti' && JTI.test(id)) return { type, id, exp };
  if (type === 'grant' && UUID.test(id)) return { type, id: id.toLowerCase(), exp };
  return undefined;
}

/**
 * Revocation of self-contained JWT access tokens before their `exp` (RFC 7009 §2 asks that a revoked token
 * stop working; a JWT cannot be recalled, so resource servers must consult a deny list).
 *
 * The hot path (`isRevoked`, every bearer request) is two in-memory map lookups. The lists are small:
 * a revoked jti is kept only until the token would have expired, a revoked authorization only for
 * ACCESS_TOKEN_TTL after revocation (every access token carrying its grant_id has expired by then; refresh
 * tokens and codes are checked against the authorization by their own services). Instances learn of revocations through the
 * Redis change feed within milliseconds, and by polling the database every 30 s as a safety net. With
 * Redis down, a revocation applies at once on the instance that made it, on the others at their next
 * poll, or as soon as their subscription is back (catch-up poll), whichever comes first.
 */
/** Grant ids denied since `since`, with when each was denied (see addDeniedGrantSource). */
export type DeniedGrantSource = (since: Date) => Promise<{ id: string; at: Date }[]>;

@Injectable()
export class RevocationService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RevocationService.name);
  /** jti → epoch ms after which the token is expired anyway. */
  private readonly jtis = new Map<string, number>();
  /** authorization id (`grant_id`) → epoch ms after which no access token carrying it can still be valid. */
  private readonly authorizations = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  /** Other tables that deny grant ids (API keys, for the tokens minted from them): read by every poll. */
  private readonly sources: DeniedGrantSource[] = [];
  /** Database time of the previous poll. */
  private lastPoll?: Date;
  private polling?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(JWT_TIMINGS) private readonly timings: JwtTimings,
    @InjectRepository(RevokedToken) private readonly revokedTokens: Repository<RevokedToken>,
    // Read only, for the poll: AuthorizationsService is the table's only writer.
    @InjectRepository(Authorization) private readonly authorizationRepository: Repository<Authorization>,
    private readonly feed: ChangeFeed,
  ) {}

  async onModuleInit(): Promise<void> {
    // Subscribe before the initial load, so a revocation made in between is not lost.
    await this.feed.subscribe(REVOCATIONS_CHANNEL, (raw) => {
      const message = parseRevocationMessage(raw);
      if (message) this.remember(message);
    });
    // Revocations published while Redis was down never reached this instance: read them from the database
    // (revoked_tokens for single tokens, authorizations.revoked_at for whole grants) as soon as the
    // subscription is back, instead of at the next safety-net poll.
    this.feed.onResume(() => this.poll());
    await this.poll();
    this.timer = setInterval(() => void this.tick(), this.timings.revocationPollMs);
    // Never keep the process (or a test runner) alive for a safety-net poll.
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Hot path: synchronous, no I/O. */
  isRevoked(jti: string, grantId?: string): boolean {
    return this.jtis.has(jti) || (grantId !== undefined && this.authorizations.has(grantId.toLowerCase()));
  }

  /** One bounded batch of deny-list rows whose token has expired anyway (the janitor repeats it). */
  async purgeExpired(batch = 1000): Promise<number> {
    return deleteBatch(this.revokedTokens, `"expires_at" < now()`, [], batch);
  }

  /** RFC 7009: one access token. Kept in the deny list until `expiresAt`, when the token is dead anyway. */
  async revokeAccessToken(jti: string, expiresAt: Date): Promise<void> {
    // Not a jti we could have minted: no valid token carries it, so there is nothing to revoke.
    if (!JTI.test(jti)) return;
    await this.revokedTokens
      .createQueryBuilder()
      .insert()
      .into(RevokedToken)
      .values({ jti, expiresAt })
      .orIgnore()
      .execute();
    const message: RevocationMessage = { type: 'jti', id: jti, exp: Math.ceil(expiresAt.getTime() / 1000) };
    this.remember(message);
    await this.feed.publish(REVOCATIONS_CHANNEL, JSON.stringify(message));
  }

  /**
   * Denies every access token carrying this authorization's grant_id, here and (through the change feed)
   * on every instance. Called by AuthorizationsService once it has marked the authorization revoked.
   */
  async denyAuthorization(authorizationId: string): Promise<void> {
    if (!UUID.test(authorizationId)) return;
    const id = authorizationId.toLowerCase();
    const until = this.clock.now().getTime() + this.config.accessTokenTtl * 1000;
    const message: RevocationMessage = { type: 'grant', id, exp: Math.ceil(until / 1000) };
    this.remember(message);
    await this.feed.publish(REVOCATIONS_CHANNEL, JSON.stringify(message));
  }

  /**
   * Adds a table whose rows deny grant ids (e.g. revoked or disabled API keys deny the tokens minted from
   * them) to the poll: what the change feed carried is then also found by an instance that started after
   * the message, or missed it. Read at once for the last ACCESS_TOKEN_TTL, then at every poll.
   */
  async addDeniedGrantSource(source: DeniedGrantSource): Promise<void> {
    this.sources.push(source);
    const since = new Date(this.clock.now().getTime() - this.config.accessTokenTtl * 1000 - POLL_OVERLAP_MS);
    this.rememberDenied(await source(since));
  }

  private rememberDenied(denied: readonly { id: string; at: Date }[]): void {
    const ttlMs = this.config.accessTokenTtl * 1000;
    for (const { id, at } of denied) {
      this.remember({ type: 'grant', id: id.toLowerCase(), exp: Math.ceil((at.getTime() + ttlMs) / 1000) });
    }
  }

  private remember(message: RevocationMessage): void {
    const until = message.exp * 1000;
    const target = message.type === 'jti' ? this.jtis : this.authorizations;
    target.set(message.id, Math.max(until, target.get(message.id) ?? 0));
  }

  private async tick(): Promise<void> {
    try {
      await this.poll();
    } catch (error) {
      this.logger.warn(`revocation poll failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Loads revocations since the last poll (at start: all that still matter), then forgets expired ones. */
  private async poll(): Promise<void> {
    // Overlapping polls would only repeat work; the interval is far longer than a poll.
    this.polling ??= this.pollOnce().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    const rows = await this.revokedTokens.query<{ now: Date }[]>('SELECT now() AS now');
    const dbNow = new Date(rows[0].now);
    const ttlMs = this.config.accessTokenTtl * 1000;
    // At start: every authorization revoked within ACCESS_TOKEN_TTL; later: those since the previous poll.
    const revokedSince = this.lastPoll
      ? new Date(this.lastPoll.getTime() - POLL_OVERLAP_MS)
      : new Date(dbNow.getTime() - ttlMs);
    const revoked = await this.authorizationRepository.find({
      select: { id: true, revokedAt: true },
      where: { revokedAt: MoreThan(revokedSince) },
    });
    for (const authorization of revoked) {
      if (!authorization.revokedAt) continue;
      this.remember({
        type: 'grant',
        id: authorization.id,
        exp: Math.ceil((authorization.revokedAt.getTime() + ttlMs) / 1000),
      });
    }
    const tokens = await this.revokedTokens.find({
      select: { jti: true, expiresAt: true },
      where: this.lastPoll
        ? {
            revokedAt: MoreThan(new Date(this.lastPoll.getTime() - POLL_OVERLAP_MS)),
            expiresAt: MoreThan(dbNow),
          }
        : { expiresAt: MoreThan(dbNow) },
    });
    for (const token of tokens) {
      this.remember({ type: 'jti', id: token.jti, exp: Math.ceil(token.expiresAt.getTime() / 1000) });
    }
    for (const source of this.sources) this.rememberDenied(await source(revokedSince));
    this.lastPoll = dbNow;
    this.sweep();
  }

  /** Forgets entries whose tokens have all expired: the lists stay as small as the live revocations. */
  private sweep(): void {
    const now = this.clock.now().getTime() - RETENTION_MARGIN_MS;
    for (const [jti, until] of this.jtis) if (until <= now) this.jtis.delete(jti);
    for (const [id, until] of this.authorizations) if (until <= now) this.authorizations.delete(id);
  }
}
