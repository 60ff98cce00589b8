import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** Opaque refresh token, stored hashed, rotated on every use (RFC 9700 §4.14.2). */
@Entity({ name: 'refresh_tokens' })
@Unique('UQ_refresh_tokens_hash', ['tokenHash'])
@Index('IDX_refresh_tokens_grant', ['grantId'])
@Index('IDX_refresh_tokens_parent', ['parentId'])
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

  /** RFC 8707: the resources (token audiences) granted; empty = the product API under /v1. */
  @Column({ type: 'text', array: true, default: '{}' })
  resources: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** Set when exchanged for a new one; presenting it again is reuse and revokes the grant. */
  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt: Date | null;

  /** The token this one replaced (null for the first of a chain, issued with the code). */
  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId: string | null;

  /**
   * Set on a rotated token when it is presented again: by the one retry the grace allows, or by a
   * concurrent duplicate (which forfeits the grace). A rotated token is replaced at most twice.
   */
  @Column({ name: 'retried_at', type: 'timestamptz', nullable: true })
  retriedAt: Date | null;

  /** Set on a successor whose response was lost and that a retry replaced: never usable again. */
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  /**
   * The original authentication (OIDC Core §12.2: a refreshed id_token keeps the original auth_time),
   * copied from the code to every rotation. Null for tokens issued without a browser sign-in context.
   */
  @Column({ name: 'auth_time', type: 'timestamptz', nullable: true })
  authTime: Date | null;

  @Column({ type: 'uuid', nullable: true })
  sid: string | null;

  @Column({ type: 'text', array: true, nullable: true })
  amr: string[] | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  acr: string | null;

  /** RFC 9449 §5: a public client's refresh token is usable only with DPoP proofs by this key (its thumbprint). */
  @Column({ name: 'dpop_jkt', type: 'varchar', length: 64, nullable: true })
  dpopJkt: string | null;
}
