import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * RFC 9126 §2.2: an authorization request pushed by its client, referenced by an opaque `request_uri`
 * (stored only as a hash) and used for one authorization.
 */
@Entity({ name: 'pushed_authorization_requests' })
@Index('IDX_pushed_authorization_requests_expires', ['expiresAt'])
export class PushedAuthorizationRequest {
  @PrimaryColumn({
    name: 'request_uri_hash',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'PK_pushed_authorization_requests',
  })
  requestUriHash: string;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  /** The validated authorization parameters, one string each. */
  @Column({ type: 'jsonb' })
  params: Record<string, string>;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** Set when first presented at the authorization endpoint: from then on the sign-in may take longer. */
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
