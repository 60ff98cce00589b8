import { Column, Entity, Index } from 'typeorm';

import { UserOwnedRow } from '../../users/user-owned-row';

/** One single-use recovery code: only its keyed hash is stored. */
@Entity({ name: 'recovery_codes' })
@Index('IDX_recovery_codes_user', ['userId'])
export class RecoveryCode extends UserOwnedRow('recovery_codes') {
  @Column({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash: string;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;
}
