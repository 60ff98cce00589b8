import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** Opaque refresh token, stored hashed, rotated on every use (RFC 9700 §4.14.2). */
@Entity({ name: 'refresh_tokens' })
@Unique('UQ_refresh_tokens_hash', ['tokenHash'])
@Index('IDX_refresh_tokens_grant', ['grantId'])
@Index('IDX_refresh_tokens_expires', ['expiresAt'])
@Index('IDX_refresh_tokens_rotated', ['rotatedAt'])
export class RefreshToken {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_refresh_tokens' })
  id: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ name: 'grant_id', type: 'uuid' })
  grantId: string;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'text', array: true, default: '{}' })
  scopes: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** Set when exchanged for a new one; presenting it again is reuse and revokes the grant. */
  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt: Date | null;
}
