import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * An upstream identity provider an operator configured (admin CLI). Endpoints left null are discovered
 * (type `oidc`, OpenID Connect Discovery 1.0 §4) or come from the type's preset.
 */
@Entity({ name: 'identity_providers' })
@Index('UQ_identity_providers_slug', ['slug'], { unique: true })
export class IdentityProvider {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_identity_providers' })
  id: string;

  /** The path segment of /auth/idp/:slug. */
  @Column({ type: 'varchar', length: 40 })
  slug: string;

  /** `oidc` or a preset: github, google, gitlab, microsoft. */
  @Column({ type: 'varchar', length: 20 })
  type: string;

  /** Shown on the button: "Continue with <name>". */
  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  issuer: string | null;

  @Column({ name: 'client_id', type: 'varchar', length: 500 })
  clientId: string;

  /** AES-256-GCM under a key derived from APP_SECRET (the upstream needs the secret itself, not a hash). */
  @Column({ name: 'client_secret_sealed', type: 'text' })
  clientSecretSealed: string;

  @Column({ type: 'varchar', length: 1000 })
  scope: string;

  @Column({ name: 'authorization_url', type: 'varchar', length: 2000, nullable: true })
  authorizationUrl: string | null;

  @Column({ name: 'token_url', type: 'varchar', length: 2000, nullable: true })
  tokenUrl: string | null;

  @Column({ name: 'userinfo_url', type: 'varchar', length: 2000, nullable: true })
  userinfoUrl: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Set while disabled: no button, no sign-in; linked identities stay for when it comes back. */
  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt: Date | null;
}
