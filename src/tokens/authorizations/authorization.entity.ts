import { Column, Entity, Index, UpdateDateColumn } from 'typeorm';

import { UserOwnedRow } from '../../users/user-owned-row';

/**
 * One user×client authorization: the remembered consent and the family every token issued under it
 * belongs to (its id travels in tokens as the `grant_id` claim). Revoking it kills codes, refresh tokens
 * and access tokens alike. Written only by AuthorizationsService.
 */
@Entity({ name: 'authorizations' })
@Index('IDX_authorizations_user_client', ['userId', 'clientId'])
@Index('IDX_authorizations_revoked_at', ['revokedAt'])
export class Authorization extends UserOwnedRow('authorizations') {
  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  @Column({ type: 'text', array: true, default: '{}' })
  scopes: string[];

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
