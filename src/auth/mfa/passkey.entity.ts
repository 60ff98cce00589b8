import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';

import { User } from '../../users/user.entity';

/** A registered WebAuthn credential (a passkey): the public half only, never a secret. */
@Entity({ name: 'passkeys' })
@Index('IDX_passkeys_user', ['userId'])
@Unique('UQ_passkeys_credential', ['credentialId'])
export class Passkey {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_passkeys' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** Declared so the schema diff knows the foreign key; not loaded by default. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_passkeys_user' })
  user?: User;

  /** WebAuthn §6.1: the credential id, base64url (at most 1023 bytes raw). */
  @Column({ name: 'credential_id', type: 'varchar', length: 1400 })
  credentialId: string;

  /** COSE_Key (WebAuthn §6.5.1.1). */
  @Column({ name: 'public_key', type: 'bytea' })
  publicKey: Buffer;

  /** WebAuthn §6.1.1 signature counter: a value that does not grow reveals a cloned authenticator. */
  @Column({ type: 'bigint', default: 0 })
  counter: string;

  @Column({ type: 'text', array: true, default: '{}' })
  transports: string[];

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}
