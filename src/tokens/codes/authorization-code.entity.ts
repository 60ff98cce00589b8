import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** RFC 6749 §4.1.2: short-lived, single use, bound to client, redirect_uri, user, scope and PKCE challenge. */
@Entity({ name: 'authorization_codes' })
@Index('IDX_authorization_codes_expires', ['expiresAt'])
export class AuthorizationCode {
  @PrimaryColumn({
    name: 'code_hash',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'PK_authorization_codes',
  })
  codeHash: string;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  @Column({ name: 'grant_id', type: 'uuid' })
  grantId: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'redirect_uri', type: 'text' })
  redirectUri: string;

  /** RFC 6749 §4.1.3: the token request must repeat redirect_uri only when the authorization request sent it. */
  @Column({ name: 'redirect_uri_sent', type: 'boolean' })
  redirectUriSent: boolean;

  @Column({ type: 'text', array: true, default: '{}' })
  scopes: string[];

  /** RFC 8707: the resources (token audiences) granted; empty = the product API under /v1. */
  @Column({ type: 'text', array: true, default: '{}' })
  resources: string[];

  /** S256 challenge (RFC 7636 §4.2); null when the request had none. */
  @Column({ name: 'code_challenge', type: 'varchar', length: 128, nullable: true })
  codeChallenge: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** OIDC Core §3.1.2.1: echoed in the id_token exactly as the authorization request sent it. */
  @Column({ type: 'varchar', length: 512, nullable: true })
  nonce: string | null;

  /** The session's authentication context when the code was issued (OIDC Core §2). */
  @Column({ name: 'auth_time', type: 'timestamptz', nullable: true })
  authTime: Date | null;

  @Column({ type: 'uuid', nullable: true })
  sid: string | null;

  @Column({ type: 'text', array: true, nullable: true })
  amr: string[] | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  acr: string | null;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
