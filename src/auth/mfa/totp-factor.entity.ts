import { Column, CreateDateColumn, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';

import { User } from '../../users/user.entity';

/** An account's TOTP authenticator (RFC 6238). Unconfirmed until the user has typed a first code. */
@Entity({ name: 'totp_factors' })
export class TotpFactor {
  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'PK_totp_factors' })
  userId: string;

  /** Declared so the schema diff knows the foreign key; not loaded by default. */
  @OneToOne(() => User, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_totp_factors_user' })
  user?: User;

  /** The base32 secret, AES-256-GCM under a key derived from APP_SECRET (never stored in the clear). */
  @Column({ name: 'secret_encrypted', type: 'text' })
  secretEncrypted: string;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt: Date | null;

  /** RFC 6238 §5.2: the last time step accepted; a code from it or an earlier one is refused (replay). */
  @Column({ name: 'last_used_step', type: 'bigint', nullable: true })
  lastUsedStep: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
