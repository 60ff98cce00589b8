import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'audit_events' })
@Index('IDX_audit_events_user', ['userId', 'seq'])
export class AuditEvent {
  /** Gap-free sequence assigned under the chain lock (bigint arrives from pg as a string). */
  @PrimaryColumn({ type: 'bigint', primaryKeyConstraintName: 'PK_audit_events' })
  seq: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ type: 'varchar', length: 64 })
  type: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ name: 'client_id', type: 'varchar', length: 64, nullable: true })
  clientId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 300, nullable: true })
  userAgent: string | null;

  /** Never token or secret material: ids, names, grant types, counts. */
  @Column({ type: 'jsonb', default: {} })
  details: Record<string, unknown>;

  /**
   * Key of `piiDigest` (random per row). Erased together with the personal fields (ip, user_agent, the
   * email in details); null then, or on a row sealed before personal data was sealed apart.
   */
  @Column({ name: 'pii_nonce', type: 'varchar', length: 64, nullable: true })
  piiNonce: string | null;

  /** HMAC of the personal fields under `piiNonce`: the hash covers this digest, not the fields. */
  @Column({ name: 'pii_digest', type: 'varchar', length: 64, nullable: true })
  piiDigest: string | null;

  @Column({ name: 'prev_hash', type: 'varchar', length: 64 })
  prevHash: string;

  @Column({ type: 'varchar', length: 64 })
  hash: string;
}
