import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';

import { User } from '../users/user.entity';

export type ClientType = 'confidential' | 'public';

/** How a client came to be: null = a developer or operator; RFC 7591; a Client ID Metadata Document. */
export type ClientRegistration = 'dynamic' | 'metadata_document';

@Entity({ name: 'oauth_clients' })
@Unique('UQ_oauth_clients_client_id', ['clientId'])
@Index('IDX_oauth_clients_owner', ['ownerId'])
@Index('IDX_oauth_clients_metadata_url', ['metadataUrl'], {
  unique: true,
  where: '"metadata_url" IS NOT NULL',
})
export class OAuthClient {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_oauth_clients' })
  id: string;

  /** The public identifier apps send as `client_id`. */
  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  type: ClientType;

  /** Exact strings; RFC 9700 §4.1.3 asks for exact matching. */
  @Column({ name: 'redirect_uris', type: 'text', array: true, default: '{}' })
  redirectUris: string[];

  @Column({ name: 'grant_types', type: 'text', array: true, default: '{}' })
  grantTypes: string[];

  @Column({ type: 'text', array: true, default: '{}' })
  scopes: string[];

  /** RP-Initiated Logout 1.0 §3.1: where logout may return to; exact strings, like redirect URIs. */
  @Column({ name: 'post_logout_redirect_uris', type: 'text', array: true, default: '{}' })
  postLogoutRedirectUris: string[];

  /** OIDC Dynamic Client Registration §2: ES256 (our default) or RS256. */
  @Column({ name: 'id_token_signed_response_alg', type: 'varchar', length: 16, default: 'ES256' })
  idTokenSignedResponseAlg: string;

  @Column({ name: 'owner_id', type: 'uuid', nullable: true })
  ownerId: string | null;

  /** Declared so the schema diff knows the foreign key; not loaded by default. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'owner_id', foreignKeyConstraintName: 'FK_oauth_clients_owner' })
  owner?: User;

  @Column({ name: 'secret_hash', type: 'varchar', length: 64, nullable: true })
  secretHash: string | null;

  /** After a rotation, the old secret works until previousSecretExpiresAt (overlap for deployments). */
  @Column({ name: 'previous_secret_hash', type: 'varchar', length: 64, nullable: true })
  previousSecretHash: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ type: 'varchar', length: 24, nullable: true })
  registration: ClientRegistration | null;

  /** RFC 7592 §1: the registration access token, as a hash (it is a bearer credential). */
  @Column({ name: 'registration_access_token_hash', type: 'varchar', length: 64, nullable: true })
  registrationAccessTokenHash: string | null;

  /** The client metadata as registered (RFC 7591 §2) or as the metadata document said, echoed back. */
  @Column({ name: 'registration_metadata', type: 'jsonb', nullable: true })
  registrationMetadata: Record<string, unknown> | null;

  /** Client ID Metadata Document: the https URL that is this client's public client_id. */
  @Column({ name: 'metadata_url', type: 'varchar', length: 2048, nullable: true })
  metadataUrl: string | null;

  /** RFC 9126 §6: authorization requests must be pushed (PAR) first. */
  @Column({ name: 'require_par', type: 'boolean', default: false })
  requirePar: boolean;

  /** RFC 9449 §5.2 `dpop_bound_access_tokens`: the token endpoint refuses this client's requests without a DPoP proof. */
  @Column({ name: 'dpop_bound_access_tokens', type: 'boolean', default: false })
  dpopBoundAccessTokens: boolean;

  /** Set while an operator has disabled it (management API); cleared when enabled again. */
  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt: Date | null;
}
