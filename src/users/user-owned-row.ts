import { Column, CreateDateColumn, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

import { User } from './user.entity';

/**
 * The columns every per-user table shares, named after `table` as its migration spells them: a uuid
 * primary key (`PK_<table>`), the owning user (`user_id`, `FK_<table>_user`, ON DELETE CASCADE: deleting
 * an account deletes what it owned) and `created_at`. Entities extend `UserOwnedRow('<table>')`.
 */
export function UserOwnedRow(table: string) {
  abstract class Row {
    @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: `PK_${table}` })
    id: string;

    @Column({ name: 'user_id', type: 'uuid' })
    userId: string;

    /** Declared so the schema diff knows the foreign key; not loaded by default. */
    @ManyToOne(() => User, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
    @JoinColumn({ name: 'user_id', foreignKeyConstraintName: `FK_${table}_user` })
    user?: User;

    @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
    createdAt: Date;
  }
  return Row;
}
