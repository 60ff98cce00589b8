import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A WebAuthn ceremony's challenge (§13.4.3): consumed by the first answer, refused after it expires. */
@Entity({ name: 'webauthn_challenges' })
@Index('IDX_webauthn_challenges_expires', ['expiresAt'])
export class WebAuthnChallenge {
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'PK_webauthn_challenges' })
  challenge: string;

  /** `register` or `authenticate`: a challenge minted for one ceremony never completes the other. */
  @Column({ type: 'varchar', length: 16 })
  purpose: string;

  /** Registration and second-factor use name the user; passwordless sign-in does not (discoverable). */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
