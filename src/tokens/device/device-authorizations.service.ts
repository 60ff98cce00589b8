import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { deleteBatch } from '../../database/batch-delete';
import { randomToken, SecretHasher } from '../../platform/crypto/crypto.service';
import { type AuthContext, storedAuthContext } from '../oidc/auth-context';
import { DeviceAuthorization, type DeviceAuthorizationStatus } from './device-authorization.entity';
import { generateUserCode, normalizeUserCode } from './user-code';

/** RFC 8628 §3.2: the interval a device starts polling at. */
export const DEVICE_POLL_INTERVAL = 5;
/** RFC 8628 §3.5: what each slow_down adds to the interval. */
const SLOW_DOWN_STEP = 5;
/** A fresh user code colliding with a live one is rare (2^34 codes); a few retries make it vanishing. */
const USER_CODE_ATTEMPTS = 5;
const UNIQUE_VIOLATION = '23505';

export interface StartedDeviceAuthorization {
  deviceCode: string;
  /** As shown to the user: `BCDF-GHJK`. */
  userCode: string;
  expiresIn: number;
  interval: number;
}

/** One poll's view of the row: its state before this poll, and whether this poll came too early. */
export interface DevicePoll {
  status: DeviceAuthorizationStatus;
  interval: number;
  tooFast: boolean;
}

interface PollRow {
  status: DeviceAuthorizationStatus;
  interval: number;
  too_fast: boolean | null;
}

/**
 * RFC 8628 §3.5: records the poll and, when it came sooner than the interval after the previous one while
 * the user has not answered, adds 5 s to the interval. One statement: concurrent polls are ordered by the
 * row lock, so a burst cannot slip through as "not too fast".
 */
const POLL = `
  UPDATE "device_authorizations" AS d
     SET "last_polled_at" = now(),
         "interval" = CASE
           WHEN old."status" = 'pending' AND old."last_polled_at" > now() - make_interval(secs => old."interval")
           THEN old."interval" + $2 ELSE old."interval" END
    FROM "device_authorizations" AS old
   WHERE d."device_code_hash" = $1 AND old."device_code_hash" = d."device_code_hash"
  RETURNING old."status" AS status, d."interval" AS interval,
    (old."status" = 'pending' AND old."last_polled_at" > now() - make_interval(secs => old."interval")) AS too_fast`;

/** The device authorization store: start, the user's answer, polling, single-use redemption, purge. */
@Injectable()
export class DeviceAuthorizationsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(DeviceAuthorization) private readonly rows: Repository<DeviceAuthorization>,
    private readonly hasher: SecretHasher,
  ) {}

  /** RFC 8628 §3.2: a device_code of 256 random bits and a user code, both stored only as hashes. */
  async start(clientId: string, scopes: string[]): Promise<StartedDeviceAuthorization> {
    const expiresIn = this.config.deviceCodeTtl;
    for (let attempt = 1; ; attempt++) {
      const deviceCode = randomToken();
      const userCode = generateUserCode();
      try {
        await this.rows.insert({
          deviceCodeHash: this.hasher.hash(deviceCode),
          userCodeHash: this.userCodeHash(normalizeUserCode(userCode)!),
          clientId,
          scopes,
          status: 'pending',
          interval: DEVICE_POLL_INTERVAL,
          expiresAt: new Date(Date.now() + expiresIn * 1000),
        });
        return { deviceCode, userCode, expiresIn, interval: DEVICE_POLL_INTERVAL };
      } catch (error) {
        const code = (error as { driverError?: { code?: string } }).driverError?.code;
        if (code !== UNIQUE_VIOLATION || attempt >= USER_CODE_ATTEMPTS) throw error;
      }
    }
  }

  async findByDeviceCode(deviceCode: string): Promise<DeviceAuthorization | null> {
    if (deviceCode.length > 200) return null;
    return this.rows.findOneBy({ deviceCodeHash: this.hasher.hash(deviceCode) });
  }

  /** A request the user may still answer: pending and not expired. `code` is already normalized. */
  async findPending(code: string): Promise<DeviceAuthorization | null> {
    const row = await this.rows.findOneBy({ userCodeHash: this.userCodeHash(code), status: 'pending' });
    return row && row.expiresAt.getTime() > Date.now() ? row : null;
  }

  /**
   * The user's answer. Only a pending, unexpired request changes (one statement), so a request answered
   * in another tab, or expired meanwhile, is not answered twice. Returns whether this answer took effect.
   */
  async decide(
    row: DeviceAuthorization,
    answer:
      | { status: 'approved'; userId: string; grantId: string; auth?: AuthContext }
      | { status: 'denied'; userId: string },
  ): Promise<boolean> {
    const auth = answer.status === 'approved' ? storedAuthContext(answer.auth) : storedAuthContext(undefined);
    const result = await this.rows
      .createQueryBuilder()
      .update(DeviceAuthorization)
      .set({
        status: answer.status,
        userId: answer.userId,
        grantId: answer.status === 'approved' ? answer.grantId : null,
        ...auth,
        decidedAt: () => 'now()',
      })
      .where(`"device_code_hash" = :hash AND "status" = 'pending' AND "expires_at" > now()`, {
        hash: row.deviceCodeHash,
      })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async poll(row: DeviceAuthorization): Promise<DevicePoll | null> {
    // An UPDATE … RETURNING comes back from TypeORM as [rows, affected].
    const [rows] = await this.rows.query<[PollRow[], number]>(POLL, [row.deviceCodeHash, SLOW_DOWN_STEP]);
    const polled = rows[0];
    return polled
      ? { status: polled.status, interval: polled.interval, tooFast: polled.too_fast === true }
      : null;
  }

  /** RFC 8628 §3.5 tokens are issued once: of concurrent redemptions exactly one flips the row. */
  async consume(row: DeviceAuthorization): Promise<DeviceAuthorization | null> {
    const result = await this.rows
      .createQueryBuilder()
      .update(DeviceAuthorization)
      .set({ status: 'consumed', consumedAt: () => 'now()' })
      .where(`"device_code_hash" = :hash AND "status" = 'approved' AND "expires_at" > now()`, {
        hash: row.deviceCodeHash,
      })
      .execute();
    return (result.affected ?? 0) === 1 ? row : null;
  }

  /** One bounded batch (the janitor repeats it); returns the rows deleted. */
  async purgeExpired(batch = 1000): Promise<number> {
    // Kept an hour past expiry, so a device still polling late hears expired_token, not invalid_grant.
    return deleteBatch(this.rows, `"expires_at" < now() - interval '1 hour'`, [], batch);
  }

  private userCodeHash(normalized: string): string {
    // Its own domain, so a user code can never be confused with any other hashed secret.
    return this.hasher.hash(`device-user-code:${normalized}`);
  }
}
