import type { SchedulerRegistry } from '@nestjs/schedule';
import type { DataSource } from 'typeorm';

import type { AuditRetentionService } from '../audit/audit-retention.service';
import { loadConfig } from '../config/app-config';
import type { SessionsService } from '../sessions/sessions.service';
import type { AuthorizationCodesService } from '../tokens/codes/authorization-codes.service';
import type { DeviceAuthorizationsService } from '../tokens/device/device-authorizations.service';
import type { PushedAuthorizationRequestsService } from '../tokens/par/pushed-authorization-requests.service';
import type { RefreshTokensService } from '../tokens/refresh-tokens/refresh-tokens.service';
import type { RevocationService } from '../tokens/revocation/revocation.service';
import type { AccountTokensService } from '../users/account-tokens.service';
import { JANITOR_LOCK, JanitorService } from './janitor.service';

function setup(env: Record<string, string> = {}, locked = true) {
  const config = loadConfig({ NODE_ENV: 'test', JANITOR_BATCH_SIZE: '10', ...env });
  const queries: [string, unknown[]][] = [];
  const runner = {
    connect: jest.fn(async () => undefined),
    release: jest.fn(async () => undefined),
    manager: {
      query: jest.fn(async (sql: string, params: unknown[]) => {
        queries.push([sql, params]);
        return sql.includes('pg_try_advisory_lock') ? [{ locked }] : [];
      }),
    },
  };
  const dataSource = { createQueryRunner: () => runner } as unknown as DataSource;
  // 25 expired codes: batches of 10, 10, 5.
  let codesLeft = 25;
  const codes = {
    purgeExpired: jest.fn(async (n: number) => {
      const gone = Math.min(n, codesLeft);
      codesLeft -= gone;
      return gone;
    }),
  };
  const refresh = { purgeExpired: jest.fn(async () => 0) };
  const revocation = { purgeExpired: jest.fn(async () => 3) };
  const sessions = { purgeExpired: jest.fn(async () => 0) };
  const accountTokens = { purgeExpired: jest.fn(async () => 2) };
  const pushed = { purgeExpired: jest.fn(async () => 0) };
  const devices = { purgeExpired: jest.fn(async () => 1) };
  const audit = { pruneBefore: jest.fn(async () => 0) };
  const scheduler = { addInterval: jest.fn() };
  const janitor = new JanitorService(
    config,
    dataSource,
    scheduler as unknown as SchedulerRegistry,
    codes as unknown as AuthorizationCodesService,
    refresh as unknown as RefreshTokensService,
    revocation as unknown as RevocationService,
    sessions as unknown as SessionsService,
    accountTokens as unknown as AccountTokensService,
    pushed as unknown as PushedAuthorizationRequestsService,
    audit as unknown as AuditRetentionService,
    devices as unknown as DeviceAuthorizationsService,
  );
  return { janitor, runner, queries, codes, refresh, audit, scheduler };
}

describe('JanitorService', () => {
  it('repeats each purge in bounded batches until a batch comes back short, then unlocks', async () => {
    const { janitor, codes, refresh, audit, queries, runner } = setup({
      REFRESH_TOKEN_RETENTION: '120',
      AUDIT_RETENTION_DAYS: '30',
    });
    const before = Date.now();
    const report = await janitor.run();
    expect(report).toMatchObject({
      ran: true,
      deleted: {
        authorization_codes: 25,
        revoked_tokens: 3,
        refresh_tokens: 0,
        sessions: 0,
        account_tokens: 2,
        pushed_authorization_requests: 0,
        device_authorizations: 1,
        audit_events: 0,
      },
    });
    expect(codes.purgeExpired.mock.calls).toEqual([[10], [10], [10]]);
    expect(refresh.purgeExpired).toHaveBeenCalledWith(10, 120);
    const cutoff = (audit.pruneBefore.mock.calls[0] as unknown as [Date, number])[0].getTime();
    // AUDIT_RETENTION_DAYS before the run started (give or take the test's own run time).
    expect(cutoff - (before - 30 * 86_400_000)).toBeGreaterThanOrEqual(0);
    expect(cutoff - (before - 30 * 86_400_000)).toBeLessThan(5000);
    expect(queries.map(([sql, params]) => [sql.split('(')[0], params])).toEqual([
      ['SELECT pg_try_advisory_lock', [JANITOR_LOCK]],
      ['SELECT pg_advisory_unlock', [JANITOR_LOCK]],
    ]);
    expect(runner.release).toHaveBeenCalled();
  });

  it('skips the run when another instance holds the lock', async () => {
    const { janitor, codes, runner } = setup({}, false);
    expect(await janitor.run()).toEqual({ ran: false, reason: 'locked' });
    expect(codes.purgeExpired).not.toHaveBeenCalled();
    expect(runner.release).toHaveBeenCalled();
  });

  it('never runs twice at once in one process', async () => {
    const { janitor } = setup();
    const [first, second] = await Promise.all([janitor.run(), janitor.run()]);
    expect(first.ran).toBe(true);
    expect(second).toEqual({ ran: false, reason: 'running' });
  });

  it('schedules itself every JANITOR_INTERVAL unless JANITOR_ENABLED=false', () => {
    const on = setup({ JANITOR_INTERVAL: '30' });
    on.janitor.onApplicationBootstrap();
    expect(on.scheduler.addInterval).toHaveBeenCalledWith('janitor', expect.anything());
    clearInterval(on.scheduler.addInterval.mock.calls[0][1] as NodeJS.Timeout);
    const off = setup({ JANITOR_ENABLED: 'false' });
    off.janitor.onApplicationBootstrap();
    expect(off.scheduler.addInterval).not.toHaveBeenCalled();
  });
});
