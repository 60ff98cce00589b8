import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type SigningKeyStatus = 'next' | 'active' | 'retired';

/**
 * An ES256 key pair (or RS256, for id_tokens of clients that registered it: `alg` says which). Lifecycle
 * next → active → retired per algorithm; the private half is encrypted at rest.
 */
@Entity({ name: 'signing_keys' })
export class SigningKey {
  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'PK_signing_keys' })
  kid: string;

  @Column({ type: 'varchar', length: 16 })
  alg: string;

  @Column({ type: 'varchar', length: 16 })
  status: SigningKeyStatus;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk: Record<string, string>;

  /** AES-256-GCM of the PKCS#8 PEM under a key derived from APP_SECRET. */
  @Column({ name: 'private_key_enc', type: 'text' })
  privateKeyEnc: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** A `next` key may sign from this instant on (published in the JWKS before it). */
  @Column({ name: 'activates_at', type: 'timestamptz' })
  activatesAt: Date;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;

  /** A retired key leaves the JWKS at this instant: when every token it signed has expired. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;
}
