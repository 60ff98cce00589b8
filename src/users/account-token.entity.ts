import { Column, Entity, Index, Unique } from 'typeorm';

import { UserOwnedRow } from './user-owned-row';

/** What a one-time account link does. */
export type AccountTokenPurpose = 'verify_email' | 'reset_password';

/**
 * A one-time link sent by mail: email verification (the address it confirms, which for an email change
 * is the new one) or password reset. Only the token's HMAC is stored; a used or expired row is dead.
 */
@Entity({ name: 'account_tokens' })
@Unique('UQ_account_tokens_token_hash', ['tokenHash'])
@Index('IDX_account_tokens_user', ['userId', 'purpose'])
@Index('IDX_account_tokens_expires_at', ['expiresAt'])
export class AccountToken extends UserOwnedRow('account_tokens') {
  @Column({ type: 'varchar', length: 16 })
  purpose: AccountTokenPurpose;

  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ type: 'varchar', length: 254 })
  email: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;
}
