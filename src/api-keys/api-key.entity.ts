import { Column, Entity, Index, Unique } from 'typeorm';

import { UserOwnedRow } from '../users/user-owned-row';

/** A developer's API key: only its hash and a short visible prefix are stored. */
@Entity({ name: 'api_keys' })
@Unique('UQ_api_keys_hash', ['keyHash'])
@Index('IDX_api_keys_user', ['userId'])
export class ApiKey extends UserOwnedRow('api_keys') {
  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** e.g. `iik_live_3hQ9`: enough to recognise a key in a list, useless to an attacker. */
  @Column({ type: 'varchar', length: 32 })
  prefix: string;

  @Column({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash: string;

  @Column({ type: 'text', array: true, default: '{}' })
  scopes: string[];

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  /** Set while an operator has disabled it (management API); cleared when enabled again. */
  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt?: Date | null;
}
