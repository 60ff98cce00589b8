import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * A protected resource (RFC 8707 §2, RFC 9728 §2) that access tokens may be issued for: its URI is the
 * token's `aud`, its scopes the most a token for it may carry. Registered by operators; the product API
 * (`ISSUER/v1`) is built in and never stored.
 */
@Entity({ name: 'resources' })
@Unique('UQ_resources_uri', ['uri'])
export class ResourceServer {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_resources' })
  id: string;

  /** RFC 8707 §2: an absolute URI without a fragment, compared as an exact string. */
  @Column({ type: 'varchar', length: 512 })
  uri: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'text', array: true, default: '{}' })
  scopes: string[];

  /** The resource server's own confidential client: it may exchange tokens issued for this resource (RFC 8693). */
  @Column({ name: 'client_id', type: 'varchar', length: 64, nullable: true })
  clientId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
