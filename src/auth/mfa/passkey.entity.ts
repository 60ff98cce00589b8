import { Column, Entity, Index, Unique } from 'typeorm';

import { UserOwnedRow } from '../../users/user-owned-row';

/** A registered WebAuthn credential (a passkey): the public half only, never a secret. */
@Entity({ name: 'passkeys' })
@Index('IDX_passkeys_user', ['userId'])
@Unique('UQ_passkeys_credential', ['credentialId'])
export class Passkey extends UserOwnedRow('passkeys') {
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

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}
