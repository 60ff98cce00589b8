import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';

import { UserOwnedRow } from '../../users/user-owned-row';
import { IdentityProvider } from './identity-provider.entity';

/**
 * A user's account at an upstream provider: found by (provider, subject) only — OIDC Core §5.7: `sub`
 * with `iss` is the one stable identifier; an email address is not.
 */
@Entity({ name: 'user_identities' })
@Index('UQ_user_identities_subject', ['providerId', 'subject'], { unique: true })
@Index('UQ_user_identities_user_provider', ['userId', 'providerId'], { unique: true })
export class UserIdentity extends UserOwnedRow('user_identities') {
  @Column({ name: 'provider_id', type: 'uuid' })
  providerId: string;

  @ManyToOne(() => IdentityProvider, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'provider_id', foreignKeyConstraintName: 'FK_user_identities_provider' })
  provider?: IdentityProvider;

  @Column({ type: 'varchar', length: 255 })
  subject: string;

  /** What the provider said at link time, for the "Linked sign-ins" page only. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  email: string | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}
