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
 * belongs to (`grant_id`). Revoking it kills codes, refresh tokens and access tokens alike.
 */
@Entity({ name: 'grants' })
@Index('IDX_grants_user_client', ['userId', 'clientId'])
@Index('IDX_grants_revoked_at', ['revokedAt'])
export class Grant {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_grants' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** Declared so the schema diff knows the foreign key; not loaded by default. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_grants_user' })
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
