import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/**
 * Audit retention (AUDIT_RETENTION_DAYS) without breaking the hash chain: events are pruned oldest
 * first, a contiguous prefix at a time, and the anchor row moves to the last pruned event in the same
 * transaction. The newest event is never pruned: the next append links to it.
 */
@Injectable()
export class AuditRetentionService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Prunes at most `limit` events that occurred before `cutoff`; returns how many went. */
  async pruneBefore(cutoff: Date, limit = 1000): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      // A primary-key range scan from the start of the chain: seq order is append order.
      const rows = await m.query<{ seq: string; hash: string; old: boolean }[]>(
        `SELECT "seq", "hash", "occurred_at" < $1 AS "old" FROM "audit_events"
          WHERE "seq" < (SELECT max("seq") FROM "audit_events") ORDER BY "seq" LIMIT $2`,
        [cutoff, limit],
      );
      let last: { seq: string; hash: string } | undefined;
      for (const row of rows) {
        // Stop at the first event inside the retention window: only a prefix keeps the chain whole.
        if (!row.old) break;
        last = row;
      }
      if (!last) return 0;
      const gone = await m.query<{ n: number }[]>(
        `WITH gone AS (DELETE FROM "audit_events" WHERE "seq" <= $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`,
        [last.seq],
      );
      await m.query(
        `INSERT INTO "audit_anchor" ("id", "seq", "hash", "pruned_at") VALUES (1, $1, $2, now())
         ON CONFLICT ("id") DO UPDATE SET "seq" = EXCLUDED."seq", "hash" = EXCLUDED."hash", "pruned_at" = now()`,
        [last.seq, last.hash],
      );
      return gone[0]?.n ?? 0;
    });
  }
}
