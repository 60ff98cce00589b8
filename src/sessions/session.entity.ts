import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

import { User } from '../users/user.entity';

/** Server-side session. The cookie holds a random id; the table holds only its hash. */
@Entity({ name: 'sessions' })
@Index('IDX_sessions_user', ['userId'])
@Index('IDX_sessions_expires', ['expiresAt'])
export class Session {
  @PrimaryColumn({ name: 'id_hash', type: 'varchar', length: 64, primaryKeyConstraintName: 'PK_sessions' })
  idHash: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** Declared so the schema diff knows the foreign key; not loaded by default. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_sessions_user' })
  user?: User;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 300, nullable: true })
  userAgent: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Last request seen with this session, at most a few minutes stale (written at most that often). */
  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true })
  lastSeenAt: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** OIDC Core §2 auth_time: when the user last authenticated in this session (not when it was refreshed). */
  @Column({ name: 'auth_time', type: 'timestamptz', default: () => 'now()' })
  authTime: Date;

  /** RFC 8176 authentication method references: `pwd` today; `otp`, `hwk`, `fed` later. */
  @Column({ type: 'text', array: true, default: '{pwd}' })
  amr: string[];

  /** OIDC Front-Channel Logout §3 / RP-Initiated Logout: the public session id carried in id_tokens. */
  @Column({ type: 'uuid' })
  sid: string;
}
