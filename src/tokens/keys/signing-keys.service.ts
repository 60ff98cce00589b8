import { createPublicKey, type KeyObject } from 'node:crypto';

import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager, In, LessThan, MoreThan } from 'typeorm';

import { AuditService } from '../../audit/audit.service';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { ChangeFeed } from '../../platform/cache/change-feed.service';
import { CLOCK, type Clock } from '../jwt/clock';
import {
  JWT_ALGORITHM,
  JWT_TIMINGS,
  type JwtTimings,
  SIGNING_KEYS_CHANNEL,
  SIGNING_KEYS_LOCK,
} from '../jwt/jwt.constants';
import {
  decryptPrivateKey,
  encryptPrivateKey,
  generateSigningKey,
  type PublicJwk,
  publicJwkOf,
  type SigningAlg,
} from './key-crypto';
import { SigningKey, type SigningKeyStatus } from './signing-key.entity';

/** The key that signs right now. */
interface ActiveSigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** A key a token may have been signed with. */
interface VerificationKey {
  kid: string;
  alg: SigningAlg;
  status: SigningKeyStatus;
  publicKey: KeyObject;
}

/** RFC 7517 §5 JWK Set, public members only. */
export interface JwkSet {
  keys: PublicJwk[];
}

interface RotationResult {
  /** True when the key that signs changed. */
  rotated: boolean;
  activeKid: string;
  /** The key that stopped signing (null when there was none, e.g. the very first start). */
  retiredKid: string | null;
}

interface CachedKey {
  kid: string;
  alg: SigningAlg;
  status: SigningKeyStatus;
  publicJwk: PublicJwk;
  publicKey: KeyObject;
  privateKey: KeyObject;
  /** For retired keys: when they leave the JWKS and stop verifying. */
  expiresAt: Date | null;
}

interface KeyCache {
  /** The key that signs, per algorithm (ES256 always; RS256 once a client needed it). */
  active: Map<SigningAlg, CachedKey>;
  byKid: Map<string, CachedKey>;
}

const JWKS_ORDER: Record<SigningKeyStatus, number> = { active: 0, next: 1, retired: 2 };

/**
 * Signing keys with a `next → active → retired` lifecycle, per algorithm: ES256 always (access tokens and
 * id_tokens), RS256 from the first RS256 id_token on (ensureAlgorithm), rotated in the same transaction:
 * - a `next` key sits in the JWKS for KEY_PREPUBLISH before it signs, so verifiers that cache the JWKS
 *   (RFC 7517) already know it when the first token it signed arrives;
 * - a `retired` key stays in the JWKS for ACCESS_TOKEN_TTL after it stopped signing, until every token it
 *   signed has expired.
 * Lifecycle changes run in one transaction under a PostgreSQL advisory lock, so any number of instances can
 * start or tick at once and the table always holds exactly one active and one next key. Each instance keeps
 * the decrypted keys in memory: signing and verifying never read the database.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SigningKeysService.name);
  private cache: KeyCache = { active: new Map(), byKid: new Map() };
  private timer?: NodeJS.Timeout;
  /** Loads may overlap (timer, feed, rotation); only the most recently started one may win. */
  private loadsStarted = 0;
  private loadApplied = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(JWT_TIMINGS) private readonly timings: JwtTimings,
    private readonly dataSource: DataSource,
    private readonly feed: ChangeFeed,
    private readonly audit: AuditService,
  ) {}

  async onModuleInit(): Promise<void> {
    // First start creates the keys; a later start performs a rotation that fell due while nobody ran.
    await this.rotateIfDue();
    await this.feed.subscribe(SIGNING_KEYS_CHANNEL, () => {
      this.refresh().catch((error: unknown) => this.logError('reloading signing keys', error));
    });
    // A rotation announced while Redis was down never reached us: reload now rather than at the next tick.
    this.feed.onResume(() => this.refresh());
    this.timer = setInterval(() => void this.tick(), this.timings.keyRefreshMs);
    // A maintenance timer must never keep the process (or a test runner) alive.
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The active key: every token issued now is signed with it (RS256: id_tokens of clients that chose it). */
  signingKey(alg: SigningAlg = JWT_ALGORITHM): ActiveSigningKey {
    const active = this.cache.active.get(alg);
    if (!active) throw new Error(`no active ${alg} signing key loaded`);
    return { kid: active.kid, privateKey: active.privateKey };
  }

  hasSigningKey(alg: SigningAlg): boolean {
    return this.cache.active.has(alg);
  }

  /**
   * Starts the lifecycle of another algorithm's keys (RS256 when the first client registered for it): an
   * active and a next key, published in the JWKS from now on and rotated with the ES256 keys from then on.
   * Idempotent and safe on any number of instances (same advisory lock as rotation).
   */
  async ensureAlgorithm(alg: SigningAlg): Promise<void> {
    const now = this.clock.now();
    const created = await this.withLock(async (manager) => {
      const { active, next } = await this.current(manager, now, alg);
      if (!active) await this.create(manager, 'active', now, alg);
      if (!next) await this.create(manager, 'next', this.after(now, this.config.keyPrepublish), alg);
      return !active || !next;
    });
    await this.refresh();
    if (created) {
      await this.feed.publish(SIGNING_KEYS_CHANNEL, alg);
      this.logger.log(`${alg} signing keys created`);
    }
  }

  /**
   * The public key for a `kid` from a token header: active, next (another instance may already have
   * promoted it) or retired-but-unexpired. Undefined for anything else — never fetched from anywhere.
   */
  verificationKey(kid: string, alg: SigningAlg = JWT_ALGORITHM): VerificationKey | undefined {
    const key = this.cache.byKid.get(kid);
    // RFC 8725 §3.1: a key is used with its one algorithm only; an RS256 key never verifies an access token.
    if (!key || key.alg !== alg || !this.published(key, this.clock.now())) return undefined;
    return { kid: key.kid, alg: key.alg, status: key.status, publicKey: key.publicKey };
  }

  /** RFC 7517 §5 JWK Set: next, active and unexpired retired keys — public members only, never `d`. */
  jwks(): JwkSet {
    const now = this.clock.now();
    const keys = [...this.cache.byKid.values()]
      .filter((key) => this.published(key, now))
      .sort((a, b) => JWKS_ORDER[a.status] - JWKS_ORDER[b.status])
      .map((key) => ({ ...key.publicJwk }));
    return { keys };
  }

  /** Reloads the key cache from the database (every instance does so on its timer and on feed messages). */
  async refresh(): Promise<void> {
    const sequence = ++this.loadsStarted;
    const cache = await this.load();
    if (sequence > this.loadApplied) {
      this.loadApplied = sequence;
      this.cache = cache;
    }
  }

  /**
   * Scheduled rotation, safe to call from every instance at any time: when the active key has signed for
   * KEY_ROTATION_INTERVAL and the next key has been published since its activatesAt, the next key becomes
   * active and the old one retires (kept in the JWKS for ACCESS_TOKEN_TTL). If the next key has not been
   * published long enough, it waits. Also creates missing keys and deletes retired keys that expired.
   */
  async rotateIfDue(now: Date = this.clock.now()): Promise<RotationResult> {
    const { result, others } = await this.withLock(async (manager) => {
      const result = await this.rotateAlgorithmIfDue(manager, JWT_ALGORITHM, now);
      // Other algorithms (RS256) rotate on the same schedule, once a client made us create them.
      const others: RotationResult[] = [];
      for (const alg of await this.otherAlgorithms(manager)) {
        others.push(await this.rotateAlgorithmIfDue(manager, alg, now));
      }
      await manager.getRepository(SigningKey).delete({ status: 'retired', expiresAt: LessThan(now) });
      return { result, others };
    });
    await this.refresh();
    const rotated = [result, ...others].find((r) => r.rotated);
    if (rotated) await this.feed.publish(SIGNING_KEYS_CHANNEL, rotated.activeKid);
    return result;
  }

  private async rotateAlgorithmIfDue(
    manager: EntityManager,
    alg: SigningAlg,
    now: Date,
  ): Promise<RotationResult> {
    const { active, next } = await this.current(manager, now, alg);
    let result: RotationResult;
    let nextConsumed = false;
    if (!active) {
      // First start (or the active row was removed by hand): a published next key is the better choice.
      nextConsumed = next !== undefined && next.activatesAt <= now;
      const created =
        nextConsumed && next
          ? await this.promote(manager, next, now)
          : await this.create(manager, 'active', now, alg);
      result = { rotated: true, activeKid: created.kid, retiredKid: null };
    } else if (this.rotationDue(active, now) && next && next.activatesAt <= now) {
      await this.retire(manager, active, now, false);
      const promoted = await this.promote(manager, next, now);
      nextConsumed = true;
      result = { rotated: true, activeKid: promoted.kid, retiredKid: active.kid };
      await this.audit.record(
        {
          type: 'signing_key.rotated',
          details: {
            reason: 'schedule',
            active_kid: promoted.kid,
            retired_kid: active.kid,
            ...(alg === JWT_ALGORITHM ? {} : { alg }),
          },
        },
        manager,
      );
    } else {
      // Not due yet, or due but the next key has not been in the JWKS for KEY_PREPUBLISH: wait.
      result = { rotated: false, activeKid: active.kid, retiredKid: null };
    }
    if (!next || nextConsumed) {
      await this.create(manager, 'next', this.after(now, this.config.keyPrepublish), alg);
    }
    return result;
  }

  /** Algorithms besides ES256 that have live keys (RS256 once a client asked for RS256 id_tokens). */
  private async otherAlgorithms(manager: EntityManager): Promise<SigningAlg[]> {
    const rows: { alg: SigningAlg }[] = await manager.query(
      `SELECT DISTINCT "alg" FROM "signing_keys" WHERE "alg" <> $1 AND "status" IN ('active', 'next')`,
      [JWT_ALGORITHM],
    );
    return rows.map((r) => r.alg);
  }

  /**
   * Operator-initiated rotation (`npm run keys:rotate`). The next key signs from now on.
   * - normal: the old key retires and keeps verifying until the tokens it signed have expired;
   * - emergency (the key leaked): the old key expires now — it leaves the JWKS and every token it signed
   *   stops verifying at once, on this instance immediately and on the others with the change feed (or
   *   their next refresh without Redis).
   */
  async rotateNow(options: {
    emergency: boolean;
  }): Promise<{ activeKid: string; retiredKid: string | null }> {
    const now = this.clock.now();
    const result = await this.withLock(async (manager) => {
      const es256 = await this.rotateAlgorithmNow(manager, JWT_ALGORITHM, now, options.emergency);
      // A leaked APP_SECRET or database exposes every key: RS256 keys rotate with the ES256 ones.
      for (const alg of await this.otherAlgorithms(manager)) {
        await this.rotateAlgorithmNow(manager, alg, now, options.emergency);
      }
      return es256;
    });
    await this.refresh();
    await this.feed.publish(SIGNING_KEYS_CHANNEL, result.activeKid);
    this.logger.log(
      `signing key rotated${options.emergency ? ' (emergency)' : ''}: ${result.retiredKid ?? '-'} → ${result.activeKid}`,
    );
    return result;
  }

  private async rotateAlgorithmNow(
    manager: EntityManager,
    alg: SigningAlg,
    now: Date,
    emergency: boolean,
  ): Promise<{ activeKid: string; retiredKid: string | null }> {
    const { active, next } = await this.current(manager, now, alg);
    if (active) await this.retire(manager, active, now, emergency);
    // No next key (should not happen) → a fresh one: verifiers refetch the JWKS on an unknown kid.
    const promoted = next
      ? await this.promote(manager, next, now)
      : await this.create(manager, 'active', now, alg);
    await this.create(manager, 'next', this.after(now, this.config.keyPrepublish), alg);
    await this.audit.record(
      {
        type: 'signing_key.rotated',
        details: {
          reason: emergency ? 'emergency' : 'operator',
          active_kid: promoted.kid,
          retired_kid: active?.kid ?? null,
          ...(alg === JWT_ALGORITHM ? {} : { alg }),
        },
      },
      manager,
    );
    return { activeKid: promoted.kid, retiredKid: active?.kid ?? null };
  }

  private rotationDue(active: SigningKey, now: Date): boolean {
    return now.getTime() - active.activatesAt.getTime() >= this.config.keyRotationInterval * 1000;
  }

  private async tick(): Promise<void> {
    try {
      await this.rotateIfDue();
    } catch (error) {
      // Keep serving with the keys we have; the next tick tries again.
      this.logError('signing key rotation check', error);
    }
  }

  /** Active and next keys stay in the JWKS; a retired one until its expiresAt (strictly before it). */
  private published(key: CachedKey, now: Date): boolean {
    return key.status !== 'retired' || (key.expiresAt !== null && key.expiresAt > now);
  }

  private async load(): Promise<KeyCache> {
    const now = this.clock.now();
    const rows = await this.dataSource.getRepository(SigningKey).find({
      where: [{ status: In(['active', 'next']) }, { status: 'retired', expiresAt: MoreThan(now) }],
    });
    const byKid = new Map<string, CachedKey>();
    const active = new Map<SigningAlg, CachedKey>();
    for (const row of rows) {
      const known = this.cache.byKid.get(row.kid);
      // Decrypt each key once per process; a row only ever changes status and dates, never key material.
      const privateKey =
        known?.privateKey ??
        decryptPrivateKey(row.privateKeyEnc, this.config.secrets.keyEncryptionKey, row.kid);
      const publicKey = known?.publicKey ?? createPublicKey(privateKey);
      const key: CachedKey = {
        kid: row.kid,
        alg: row.alg === 'RS256' ? 'RS256' : JWT_ALGORITHM,
        status: row.status,
        publicJwk: known?.publicJwk ?? publicJwkOf(publicKey),
        publicKey,
        privateKey,
        expiresAt: row.expiresAt,
      };
      byKid.set(key.kid, key);
      if (key.status === 'active') active.set(key.alg, key);
    }
    if (!active.has(JWT_ALGORITHM)) throw new Error('no active signing key in the database');
    return { active, byKid };
  }

  private async withLock<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      // Released at commit or rollback; a crashed instance cannot leave it held.
      await manager.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEYS_LOCK]);
      return work(manager);
    });
  }

  private async current(
    manager: EntityManager,
    now: Date,
    alg: SigningAlg,
  ): Promise<{ active?: SigningKey; next?: SigningKey }> {
    const rows = await manager
      .getRepository(SigningKey)
      .find({ where: { status: In(['active', 'next']), alg }, order: { activatesAt: 'DESC' } });
    const actives = rows.filter((r) => r.status === 'active');
    const nexts = rows.filter((r) => r.status === 'next');
    // The lock keeps it from happening, but a hand-edited table must heal rather than sign with two keys.
    for (const extra of actives.slice(1)) await this.retire(manager, extra, now, false);
    for (const extra of nexts.slice(0, -1)) {
      await manager.getRepository(SigningKey).delete({ kid: extra.kid });
    }
    return { active: actives[0], next: nexts.at(-1) };
  }

  private async create(
    manager: EntityManager,
    status: 'active' | 'next',
    activatesAt: Date,
    alg: SigningAlg,
  ): Promise<SigningKey> {
    const generated = generateSigningKey(alg);
    const row = manager.getRepository(SigningKey).create({
      kid: generated.kid,
      alg,
      status,
      publicJwk: { ...generated.publicJwk },
      privateKeyEnc: encryptPrivateKey(
        generated.privatePem,
        this.config.secrets.keyEncryptionKey,
        generated.kid,
      ),
      activatesAt,
      retiredAt: null,
      expiresAt: null,
    });
    await manager.getRepository(SigningKey).insert(row);
    return row;
  }

  /** The key's age for scheduled rotation counts from here, so activatesAt is when it really began to sign. */
  private async promote(manager: EntityManager, key: SigningKey, now: Date): Promise<SigningKey> {
    await manager.getRepository(SigningKey).update({ kid: key.kid }, { status: 'active', activatesAt: now });
    return { ...key, status: 'active', activatesAt: now };
  }

  private async retire(
    manager: EntityManager,
    key: SigningKey,
    now: Date,
    emergency: boolean,
  ): Promise<void> {
    // Normal: verifiable until every token it signed (exp ≤ now + ACCESS_TOKEN_TTL) has expired.
    const expiresAt = emergency ? now : this.after(now, this.config.accessTokenTtl);
    await manager
      .getRepository(SigningKey)
      .update({ kid: key.kid }, { status: 'retired', retiredAt: now, expiresAt });
  }

  private after(now: Date, seconds: number): Date {
    return new Date(now.getTime() + seconds * 1000);
  }

  private logError(what: string, error: unknown): void {
    this.logger.error(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
