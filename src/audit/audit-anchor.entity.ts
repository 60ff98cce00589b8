import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Where the audit chain starts after retention pruned its oldest events: the `seq` and `hash` of the
 * last pruned event. The first remaining event's `prev_hash` must equal `hash` and its `seq` must be
 * `seq + 1`, so `audit:verify` still proves nothing after the anchor was edited, deleted or reordered.
 * One row (id 1), written in the same transaction as the deletion it describes.
 */
@Entity({ name: 'audit_anchor' })
export class AuditAnchor {
  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'PK_audit_anchor' })
  id: number;

  @Column({ type: 'bigint' })
  seq: string;

  @Column({ type: 'varchar', length: 64 })
  hash: string;

  @Column({ name: 'pruned_at', type: 'timestamptz' })
  prunedAt: Date;
}
