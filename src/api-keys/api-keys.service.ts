import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';

import { AuditService } from '../audit/audit.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ChangeFeed } from '../platform/cache/change-feed.service';
import { ReadCache } from '../platform/cache/read-cache';
import { SecretHasher } from '../platform/crypto/crypto.service';
import { keysetPage, type Page, type PageRequest } from '../platform/pagination/keyset';
import { RevocationService } from '../tokens/revocation/revocation.service';
import { isKnownScope } from '../tokens/scopes';
import { SecurityNotices } from '../users/security-notices.service';
import { ApiKey } from './api-key.entity';
import { generateApiKey, parseApiKey } from './api-key-format';
import { ApiKeyExpired, ApiKeyNotFound, InvalidApiKeyField } from './api-keys.errors';

/** What other modules see of a key: never the hash, never the key itself. */
export interface ApiKeyView {
  id: string;
  userId: string;
  name: string;
  /** e.g. `iik_live_3hQ9`: recognisable in a list, useless to an attacker. */
  prefix: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  /** Null or absent while enabled. */
  disabledAt?: Date | null;
}

export interface NewApiKey {
  userId: string;
  name: string;
  scopes: string[];
  expiresAt?: Date | null;
}

/** A key as minted: `secret` is the full key, shown to its owner once and never stored. */
export interface IssuedApiKey {
  key: ApiKeyView;
  secret: string;
}

export interface RolledApiKey extends IssuedApiKey {
  /** When the key that was rolled stops working (min of its own expiry and now + the roll overlap). */
  previousKeyExpiresAt: Date;
}

/** A key that passed verification: what the authenticator needs to build a principal. */
export interface VerifiedApiKey {
  id: string;
  userId: string;
  scopes: readonly string[];
  expiresAt: Date | null;
  keyHash: string;
}

/** The scopes an API key may carry: the resource scopes of the catalogue (issue: read:user, read:projects, write:projects). */
export const API_KEY_SCOPES = ['read:user', 'read:projects', 'write:projects'] as const;

/** How long a verified key is trusted from memory: bounds staleness only when an invalidation message is lost. */
export const VERIFIED_KEY_TTL_MS = 30_000;
export const VERIFIED_KEY_CACHE_SIZE = 10_000;
/** last_used_at is a hint for humans ("used 3 minutes ago"), not an audit log: one write a minute per key is plenty. */
export const LAST_USED_RESOLUTION_MS = 60_000;
const LAST_USED_MAP_LIMIT = 50_000;
/** Change-feed kind: `api_key:<key hash>`. */
const API_KEY_KIND = 'api_key';

function view(k: ApiKey): ApiKeyView {
  return {
    id: k.id,
    userId: k.userId,
    name: k.name,
    prefix: k.prefix,
    scopes: [...k.scopes],
    createdAt: k.createdAt,
    expiresAt: k.expiresAt,
    lastUsedAt: k.lastUsedAt,
    disabledAt: k.disabledAt ?? null,
  };
}

/**
 * Issue, list, roll, revoke and verify developer API keys. Only the HMAC of a key is stored (a table
 * leak yields nothing usable without the pepper); lookups go by that hash through the unique index.
 */
@Injectable()
export class ApiKeysService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ApiKeysService.name);
  /** Verified keys by key hash: the hot path reads PostgreSQL once per key per TTL, not per request. */
  private readonly cache = new ReadCache<VerifiedApiKey>({
    name: 'api_keys',
    ttlMs: VERIFIED_KEY_TTL_MS,
    maxEntries: VERIFIED_KEY_CACHE_SIZE,
  });
  /** key id → when this process last wrote its last_used_at (ms). */
  private readonly lastUsedWrites = new Map<string, number>();
  private readonly pendingWrites = new Set<Promise<void>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    private readonly hasher: SecretHasher,
    private readonly audit: AuditService,
    private readonly feed: ChangeFeed,
    /** The owner is told by mail of every new key (a key they did not make is an intrusion). */
    @Optional() private readonly notices?: SecurityNotices,
    /**
     * Access tokens minted from a key (RFC 8693 exchange) carry its id as `grant_id`: revoking, rolling or
     * disabling the key puts that id on the deny list, here and on every instance (the revocation feed).
     */
    @Optional() private readonly revocation?: RevocationService,
  ) {}

  /** Revokes and rolls, here and on other instances/workers, drop the key from this cache at once. */
  async onModuleInit(): Promise<void> {
    await this.feed.onInvalidate(API_KEY_KIND, (keyHash) => this.cache.delete(keyHash));
    // Invalidations published while Redis was down are lost (pub/sub is at-most-once): start afresh.
    this.feed.onResume(() => this.cache.clear());
    // Tokens minted from a revoked or disabled key stay denied on an instance that missed the feed message
    // (started later, or Redis was down): the deny list's poll reads the keys themselves.
    await this.revocation?.addDeniedGrantSource((since) => this.deniedSince(since));
  }

  /** Keys revoked or disabled after `since`: their minted tokens are denied (their id is the grant_id). */
  private async deniedSince(since: Date): Promise<{ id: string; at: Date }[]> {
    const rows = await this.keys
      .createQueryBuilder('k')
      .select(['k.id', 'k.revokedAt', 'k.disabledAt'])
      .where('k.revoked_at > :since OR k.disabled_at > :since', { since })
      .getMany();
    return rows.map((k) => ({ id: k.id, at: (k.revokedAt ?? k.disabledAt)! }));
  }

  async create(input: NewApiKey): Promise<IssuedApiKey> {
    const name = checkName(input.name);
    const scopes = checkScopes(input.scopes);
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt && !(expiresAt.getTime() > Date.now())) {
      throw new InvalidApiKeyField('expires_at', 'must be in the future');
    }
    const created = await this.keys.manager.transaction(async (em) => {
      const issued = await this.insert(em.getRepository(ApiKey), {
        userId: input.userId,
        name,
        scopes,
        expiresAt,
      });
      await this.audit.record(
        {
          type: 'api_key.created',
          userId: input.userId,
          details: { key_id: issued.key.id, prefix: issued.key.prefix, scopes },
        },
        em,
      );
      return issued;
    });
    void this.notices
      ?.apiKeyCreated(input.userId, created.key.name, created.key.prefix)
      .catch((error: unknown) => this.logger.warn(`new-key notice failed: ${String(error)}`));
    return created;
  }

  /** The user's keys that are not revoked (expired ones stay listed, so their owner can see why calls fail). */
  async list(userId: string): Promise<ApiKeyView[]> {
    const rows = await this.keys.find({
      where: { userId, revokedAt: IsNull() },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
    return rows.map(view);
  }

  /**
   * Replaces a key with a new secret (same name, scopes and expiry). The old key keeps working for the
   * configured overlap so deployments can switch without downtime, then dies; never longer than it
   * would have lived anyway.
   */
  async roll(userId: string | null, id: string): Promise<RolledApiKey> {
    const { rolled, oldHash } = await this.keys.manager.transaction(async (em) => {
      const repo = em.getRepository(ApiKey);
      // Row lock: two concurrent rolls of one key must not both shorten it and both mint a successor.
      const old = await repo.findOne({
        // userId null: an operator (management API), any user's key.
        where: { id, revokedAt: IsNull(), ...(userId === null ? {} : { userId }) },
        lock: { mode: 'pessimistic_write' },
      });
      if (!old) throw new ApiKeyNotFound();
      const now = Date.now();
      if (old.expiresAt && old.expiresAt.getTime() <= now) throw new ApiKeyExpired();
      const overlapEnd = new Date(now + this.config.apiKeyRollOverlap * 1000);
      const previousKeyExpiresAt =
        old.expiresAt && old.expiresAt.getTime() < overlapEnd.getTime() ? old.expiresAt : overlapEnd;
      await repo.update({ id: old.id }, { expiresAt: previousKeyExpiresAt });
      const issued = await this.insert(repo, {
        userId: old.userId,
        name: old.name,
        scopes: old.scopes,
        expiresAt: old.expiresAt,
      });
      await this.audit.record(
        {
          type: 'api_key.rolled',
          userId: old.userId,
          details: {
            key_id: old.id,
            new_key_id: issued.key.id,
            old_key_expires_at: previousKeyExpiresAt.toISOString(),
          },
        },
        em,
      );
      return { rolled: { ...issued, previousKeyExpiresAt }, oldHash: old.keyHash };
    });
    // After commit: a lookup racing the transaction cannot re-cache the old expiry (ReadCache's epoch).
    this.invalidate(oldHash);
    // The old key lives on for the overlap, but the tokens it minted die now: rolling is often a reaction to a leak.
    await this.denyMintedTokens(id);
    return rolled;
  }

  /**
   * Immediate: the key stops working in this process at once, and on other instances (Redis) or other
   * cluster workers (IPC) as soon as the invalidation arrives; the cache TTL bounds a lost message.
   */
  async revoke(userId: string | null, id: string): Promise<void> {
    // userId null: an operator (management API), any user's key.
    const where = { id, revokedAt: IsNull(), ...(userId === null ? {} : { userId }) };
    const key = await this.keys.findOne({ where });
    if (!key) throw new ApiKeyNotFound();
    const result = await this.keys.update(where, { revokedAt: new Date() });
    if (!result.affected) throw new ApiKeyNotFound();
    this.invalidate(key.keyHash);
    await this.denyMintedTokens(id);
    await this.audit.record({
      type: 'api_key.revoked',
      userId: key.userId,
      details: { key_id: id, prefix: key.prefix },
    });
  }

  /** Operators: every key not revoked (optionally one user's), newest first, one keyset page at a time. */
  async listAll(page: PageRequest, userId?: string): Promise<Page<ApiKeyView>> {
    const qb = this.keys.createQueryBuilder('k').where('k.revoked_at IS NULL');
    if (userId !== undefined) qb.andWhere('k.user_id = :userId', { userId });
    const { items, nextCursor } = await keysetPage(qb, 'k', page);
    return { items: items.map(view), nextCursor };
  }

  /** Operators: a disabled key is refused like a revoked one until it is enabled again. */
  async setDisabled(id: string, disabled: boolean): Promise<ApiKeyView> {
    const key = await this.keys.findOne({ where: { id, revokedAt: IsNull() } });
    if (!key) throw new ApiKeyNotFound();
    if (disabled !== !!key.disabledAt) {
      key.disabledAt = disabled ? new Date() : null;
      await this.keys.update({ id }, { disabledAt: key.disabledAt });
      this.invalidate(key.keyHash);
      if (disabled) await this.denyMintedTokens(id);
    }
    return view(key);
  }

  /** Every key of a user stops at once (the account was disabled or is being deleted). */
  async revokeAllForUser(userId: string): Promise<void> {
    const keys = await this.keys.find({ where: { userId, revokedAt: IsNull() } });
    if (!keys.length) return;
    await this.keys.update({ userId, revokedAt: IsNull() }, { revokedAt: new Date() });
    for (const key of keys) this.invalidate(key.keyHash);
    await Promise.all(keys.map((key) => this.denyMintedTokens(key.id)));
    await this.audit.record({
      type: 'api_key.revoked',
      userId,
      details: { key_ids: keys.map((k) => k.id), reason: 'account' },
    });
  }

  /**
   * The hot path. Malformed keys (bad shape, bad checksum, another environment's key) are refused before
   * any hashing or database work. Unknown, revoked and expired keys all give null: callers answer them
   * identically, so a probe learns nothing about which keys exist.
   */
  async verify(rawKey: string): Promise<VerifiedApiKey | null> {
    const parsed = parseApiKey(rawKey);
    if (!parsed || parsed.env !== this.config.apiKeyEnv) return null;
    const keyHash = this.hasher.hash(rawKey);
    const key = await this.cache.getOrLoad(keyHash, async () => {
      const row = await this.keys.findOne({ where: { keyHash } });
      if (!row || row.revokedAt || row.disabledAt) return null;
      return { id: row.id, userId: row.userId, scopes: [...row.scopes], expiresAt: row.expiresAt, keyHash };
    });
    if (!key) return null;
    const now = Date.now();
    // Checked on every call, cached or not: a key dies at its expiry to the millisecond.
    if (key.expiresAt && key.expiresAt.getTime() <= now) return null;
    this.touch(key.id, now);
    return key;
  }

  /** True when tokens minted from this key were denied (the key was revoked, rolled or disabled). */
  mintedTokensDenied(id: string): boolean {
    return this.revocation?.isRevoked('', id) ?? false;
  }

  private async denyMintedTokens(id: string): Promise<void> {
    await this.revocation?.denyAuthorization(id);
  }

  /** Forget a verified key here at once, and on every other instance through the change feed. */
  invalidate(keyHash: string): void {
    this.feed.invalidate(API_KEY_KIND, keyHash);
  }

  /** Lets in-flight last_used_at writes finish before the data source closes. */
  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.pendingWrites]);
  }

  private async insert(
    repo: Repository<ApiKey>,
    input: { userId: string; name: string; scopes: string[]; expiresAt: Date | null },
  ): Promise<IssuedApiKey> {
    const { key: secret, prefix } = generateApiKey(this.config.apiKeyEnv);
    const saved = await repo.save(
      repo.create({
        userId: input.userId,
        name: input.name,
        prefix,
        keyHash: this.hasher.hash(secret),
        scopes: input.scopes,
        expiresAt: input.expiresAt,
        lastUsedAt: null,
        revokedAt: null,
      }),
    );
    return { key: view(saved), secret };
  }

  /** No database write per request: at most one fire-and-forget last_used_at update a minute per key. */
  private touch(id: string, now: number): void {
    const last = this.lastUsedWrites.get(id);
    if (last !== undefined && now - last < LAST_USED_RESOLUTION_MS) return;
    if (this.lastUsedWrites.size >= LAST_USED_MAP_LIMIT) this.pruneLastUsed(now);
    this.lastUsedWrites.set(id, now);
    const write = this.keys
      .update({ id }, { lastUsedAt: new Date(now) })
      .then(
        () => undefined,
        (error: unknown) => {
          // Losing a last_used_at update is harmless; failing the request (or crashing) for it is not.
          this.logger.warn({ err: error, keyId: id }, 'could not record API key use');
        },
      )
      .finally(() => this.pendingWrites.delete(write));
    this.pendingWrites.add(write);
  }

  private pruneLastUsed(now: number): void {
    for (const [id, at] of this.lastUsedWrites) {
      if (now - at >= LAST_USED_RESOLUTION_MS) this.lastUsedWrites.delete(id);
    }
    // Every entry is recent (a flood of distinct keys): drop them all rather than grow without bound.
    if (this.lastUsedWrites.size >= LAST_USED_MAP_LIMIT) this.lastUsedWrites.clear();
  }
}

function checkName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw.trim() : '';
  // Code points, as PostgreSQL's varchar(100) counts them.
  const length = [...name].length;
  if (length < 1 || length > 100) throw new InvalidApiKeyField('name', 'must be 1 to 100 characters');
  return name;
}

function checkScopes(raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new InvalidApiKeyField('scopes', 'must name at least one scope');
  }
  const allowed: readonly string[] = API_KEY_SCOPES;
  const unknown = raw.filter((s) => typeof s !== 'string' || !isKnownScope(s) || !allowed.includes(s));
  if (unknown.length > 0) {
    throw new InvalidApiKeyField('scopes', `must each be one of: ${API_KEY_SCOPES.join(', ')}`);
  }
  return [...new Set(raw as string[])];
}
