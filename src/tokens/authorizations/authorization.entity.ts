import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

import { User } from '../../users/user.entity';

/**
 * One user×client authorization: the remembered consent and the family every token issued under it
 * belongs to (its id travels in tokens as the `grant_id` claim). Revoking it kills codes, refresh tokens
 * and access tokens alike. Written only by AuthorizationsService.
 */
@Entity({ name: 'authorizations' })
@Index('IDX_authorizations_user_client', ['userId', 'clientId'])
@Index('IDX_authorizations_revoked_at', ['revokedAt'])
export class Authorization {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_authorizations' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** Declared so the schema diff knows the foreign key; not loaded by default. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_authorizations_user' })
  user?: User;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  @Column({ type: 'text', array: true, default: '{}' })
  scopes: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
