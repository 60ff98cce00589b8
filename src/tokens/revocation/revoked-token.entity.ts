import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A revoked access token's jti, kept only until the token would have expired anyway. */
@Entity({ name: 'revoked_tokens' })
@Index('IDX_revoked_tokens_expires', ['expiresAt'])
export class RevokedToken {
  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'PK_revoked_tokens' })
  jti: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', default: () => 'now()' })
  revokedAt: Date;
}
