import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** pending → approved | denied (the user's answer on /device) → consumed (tokens issued once). */
export type DeviceAuthorizationStatus = 'pending' | 'approved' | 'denied' | 'consumed';

/**
 * RFC 8628 §3.2: a device authorization request. The device_code and the user_code are stored only as
 * hashes: a database reader can neither poll for tokens nor approve a device.
 */
@Entity({ name: 'device_authorizations' })
@Index('IDX_device_authorizations_expires', ['expiresAt'])
@Index('UQ_device_authorizations_user_code', ['userCodeHash'], { unique: true })
export class DeviceAuthorization {
  @PrimaryColumn({
    name: 'device_code_hash',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'PK_device_authorizations',
  })
  deviceCodeHash: string;

  @Column({ name: 'user_code_hash', type: 'varchar', length: 64 })
  userCodeHash: string;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  @Column({ type: 'text', array: true, default: '{}' })
  scopes: string[];

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: DeviceAuthorizationStatus;

  /** The user who approved or denied it. */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  /** The user×client authorization the approval extended; every token issued from it carries its id. */
  @Column({ name: 'grant_id', type: 'uuid', nullable: true })
  grantId: string | null;

  /** The approving session's authentication (OIDC Core §2), stated in the id_token. */
  @Column({ name: 'auth_time', type: 'timestamptz', nullable: true })
  authTime: Date | null;

  @Column({ type: 'uuid', nullable: true })
  sid: string | null;

  @Column({ type: 'text', array: true, nullable: true })
  amr: string[] | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  acr: string | null;

  /** RFC 8628 §3.5: the polling interval in seconds; every slow_down adds 5. */
  @Column({ type: 'integer', default: 5 })
  interval: number;

  @Column({ name: 'last_polled_at', type: 'timestamptz', nullable: true })
  lastPolledAt: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
