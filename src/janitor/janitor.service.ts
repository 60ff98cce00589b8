import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { AuditRetentionService } from '../audit/audit-retention.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { metrics } from '../platform/metrics/metrics';
import { SessionsService } from '../sessions/sessions.service';
import { AuthorizationCodesService } from '../tokens/codes/authorization-codes.service';
import { DeviceAuthorizationsService } from '../tokens/device/device-authorizations.service';
import { PushedAuthorizationRequestsService } from '../tokens/par/pushed-authorization-requests.service';
import { RefreshTokensService } from '../tokens/refresh-tokens/refresh-tokens.service';
import { RevocationService } from '../tokens/revocation/revocation.service';
import { AccountTokensService } from '../users/account-tokens.service';

/** Session-level advisory lock: one janitor run at a time across every instance on this database. */
export const JANITOR_LOCK = 0x11a0d18;
/** A run stops a table after this many batches; the next run carries on (bounded work per run). */
const MAX_BATCHES_PER_TABLE = 500;
const DAY_MS = 86_400_000;

export type JanitorReport =
  | { ran: false; reason: 'locked' | 'running' }
  | { ran: true; deleted: Record<string, number>; startedAt: Date; finishedAt: Date };

interface Purge {
  table: string;
  /** Deletes one batch of at most `batch` rows; returns how many went. */
  batch(batch: number): Promise<number>;
}

/**
 * The data-lifecycle janitor: every JANITOR_INTERVAL, the instance that gets the advisory lock deletes
 * what no longer serves a purpose — expired authorization codes, refresh tokens rotated or expired
 * more than REFRESH_TOKEN_RETENTION ago, deny-list rows past their token's `exp`, expired sessions, device
 * authorizations an hour past expiry, and
 * audit events older than AUDIT_RETENTION_DAYS (keeping the chain verifiable). Each owning service
 * deletes its own rows, one bounded batch per statement, so no purge holds locks for long.
 */
@Injectable()
export class JanitorService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Janitor');
  private running = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scheduler: SchedulerRegistry,
    private readonly codes: AuthorizationCodesService,
    private readonly refreshTokens: RefreshTokensService,
    private readonly revocation: RevocationService,
    private readonly sessions: SessionsService,
    private readonly accountTokens: AccountTokensService,
    private readonly pushedRequests: PushedAuthorizationRequestsService,
    private readonly auditRetention: AuditRetentionService,
    private readonly devices: DeviceAuthorizationsService,
  ) {}

  onApplicationBootstrap(): void {
    const { enabled, intervalSeconds } = this.config.operations.janitor;
    if (!enabled) return;
    const timer = setInterval(() => {
      this.run().catch((error: unknown) => this.logger.error({ err: error }, 'janitor run failed'));
    }, intervalSeconds * 1000);
    // Never keeps a process (a CLI, a test runner) alive; ScheduleModule clears it on shutdown.
    timer.unref();
    this.scheduler.addInterval('janitor', timer);
  }

  private purges(): Purge[] {
    const { refreshTokenRetentionSeconds, auditRetentionDays } = this.config.operations.janitor;
    const auditCutoff = new Date(Date.now() - auditRetentionDays * DAY_MS);
    return [
      { table: 'authorization_codes', batch: (n) => this.codes.purgeExpired(n) },
      {
        table: 'refresh_tokens',
        batch: (n) => this.refreshTokens.purgeExpired(n, refreshTokenRetentionSeconds),
      },
      { table: 'revoked_tokens', batch: (n) => this.revocation.purgeExpired(n) },
      { table: 'sessions', batch: (n) => this.sessions.purgeExpired(n) },
      { table: 'account_tokens', batch: (n) => this.accountTokens.purgeExpired(n) },
      { table: 'pushed_authorization_requests', batch: (n) => this.pushedRequests.purgeExpired(n) },
      { table: 'device_authorizations', batch: (n) => this.devices.purgeExpired(n) },
      { table: 'audit_events', batch: (n) => this.auditRetention.pruneBefore(auditCutoff, n) },
    ];
  }

  /** One run now, unless another instance (or this one) is running: then it returns `ran: false`. */
  async run(): Promise<JanitorReport> {
    // The embedded database is one PostgreSQL session for the whole process, where advisory locks are
    // re-entrant: the in-process flag is what keeps two runs of one process apart there.
    if (this.running) return this.skipped('running');
    this.running = true;
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      const [{ locked }] = await runner.manager.query<{ locked: boolean }[]>(
        'SELECT pg_try_advisory_lock($1) AS locked',
        [JANITOR_LOCK],
      );
      if (!locked) return this.skipped('locked');
      try {
        return await this.purgeAll();
      } finally {
        await runner.manager.query('SELECT pg_advisory_unlock($1)', [JANITOR_LOCK]);
      }
    } catch (error) {
      metrics().janitorRuns.labels('failed').inc();
      throw error;
    } finally {
      await runner.release();
      this.running = false;
    }
  }

  private async purgeAll(): Promise<JanitorReport> {
    const startedAt = new Date();
    const { batchSize } = this.config.operations.janitor;
    const deleted: Record<string, number> = {};
    for (const purge of this.purges()) {
      let total = 0;
      for (let i = 0; i < MAX_BATCHES_PER_TABLE; i++) {
        const n = await purge.batch(batchSize);
        total += n;
        if (n < batchSize) break;
      }
      deleted[purge.table] = total;
      if (total > 0) metrics().janitorDeleted.labels(purge.table).inc(total);
    }
    metrics().janitorRuns.labels('completed').inc();
    const finishedAt = new Date();
    if (Object.values(deleted).some((n) => n > 0)) {
      this.logger.log({ deleted, ms: finishedAt.getTime() - startedAt.getTime() }, 'janitor run');
    }
    return { ran: true, deleted, startedAt, finishedAt };
  }

  private skipped(reason: 'locked' | 'running'): JanitorReport {
    metrics().janitorRuns.labels('skipped').inc();
    return { ran: false, reason };
  }
}
