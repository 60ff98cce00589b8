import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** RFC 7591 §3: an operator-minted bearer token that allows one dynamic registration. Stored as a hash. */
@Entity({ name: 'initial_access_tokens' })
@Unique('UQ_initial_access_tokens_hash', ['tokenHash'])
export class InitialAccessToken {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_initial_access_tokens' })
  id: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
