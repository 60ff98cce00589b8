import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A user's account at an upstream provider: found by (provider, subject) only — OIDC Core §5.7: `sub`
 * with `iss` is the one stable identifier; an email address is not.
 */
@Entity({ name: 'user_identities' })
@Index('UQ_user_identities_subject', ['providerId', 'subject'], { unique: true })
@Index('UQ_user_identities_user_provider', ['userId', 'providerId'], { unique: true })
export class UserIdentity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_user_identities' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'provider_id', type: 'uuid' })
  providerId: string;

  @Column({ type: 'varchar', length: 255 })
  subject: string;

  /** What the provider said at link time, for the "Linked sign-ins" page only. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  email: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}
