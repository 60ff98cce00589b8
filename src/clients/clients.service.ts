import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';

import { AuditService } from '../audit/audit.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ChangeFeed } from '../platform/cache/change-feed.service';
import { ReadCache } from '../platform/cache/read-cache';
import { randomToken, SecretHasher } from '../platform/crypto/crypto.service';
import { NotFound } from '../platform/errors/api-error';
import { keysetPage, type Page, type PageRequest } from '../platform/pagination/keyset';
import { isKnownScope, isManagementScope } from '../tokens/scopes';
import { InvalidClientMetadata } from './clients.errors';
import { type ClientRegistration, type ClientType, OAuthClient } from './oauth-client.entity';
import { redirectUriProblem } from './redirect-uri';

/** RFC 8693 token exchange, as its URN. */
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8628 §3.4 device authorization grant, as its URN. */
export const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

export const GRANT_TYPES = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  TOKEN_EXCHANGE,
  DEVICE_CODE,
] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** What other modules see of a client: never the secret hash. */
export interface ClientView {
  id: string;
  clientId: string;
  name: string;
  type: ClientType;
  redirectUris: string[];
  grantTypes: string[];
  scopes: string[];
  /** RP-Initiated Logout 1.0 §3.1: exact strings logout may return to. */
  postLogoutRedirectUris: string[];
  /** OIDC Dynamic Client Registration §2: how id_tokens for this client are signed. */
  idTokenSignedResponseAlg: IdTokenAlg;
  ownerId: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** Null or absent while enabled. */
  disabledAt?: Date | null;
  /** RFC 9126 §6: authorization requests must be pushed first. */
  requirePar?: boolean;
  /** RFC 9449 §5.2: every token request must carry a DPoP proof (only DPoP-bound tokens). */
  dpopBoundAccessTokens?: boolean;
  /** Self-registered (RFC 7591) or described by a Client ID Metadata Document; null otherwise. */
  registration?: ClientRegistration | null;
  /** The Client ID Metadata Document's URL: the client_id the client itself uses. */
  metadataUrl?: string | null;
  /** As registered or as the document said (client_uri, logo_uri, ...). */
  registrationMetadata?: Record<string, unknown> | null;
}

/** id_token signing: ES256 by default, RS256 for relying parties that only know RS256. */
export const ID_TOKEN_ALGS = ['ES256', 'RS256'] as const;
export type IdTokenAlg = (typeof ID_TOKEN_ALGS)[number];

export interface ClientInput {
  name: string;
  type: ClientType;
  redirectUris: string[];
  scopes: string[];
  grantTypes?: string[];
  postLogoutRedirectUris?: string[];
  idTokenSignedResponseAlg?: string;
  ownerId?: string | null;
  /**
   * Created by an operator (admin CLI, management API): only then may a confidential client whose only
   * grant is client_credentials hold the management scopes.
   */
  operator?: boolean;
  /** Self-registered clients (RFC 7591, Client ID Metadata Documents) and what they registered. */
  selfRegistered?: SelfRegistration;
  /** RFC 9449 §5.2: the client must use DPoP at the token endpoint. */
  dpopBoundAccessTokens?: boolean;
}

/** What RFC 7591 / a Client ID Metadata Document adds to a client. */
export interface SelfRegistration {
  registration: ClientRegistration;
  requirePar?: boolean;
  /** RFC 9449 §5.2 `dpop_bound_access_tokens`. */
  dpopBoundAccessTokens?: boolean;
  registrationAccessTokenHash?: string | null;
  registrationMetadata: Record<string, unknown>;
  metadataUrl?: string | null;
}

export type ClientPatch = Partial<
  Pick<
    ClientInput,
    | 'name'
    | 'redirectUris'
    | 'scopes'
    | 'grantTypes'
    | 'postLogoutRedirectUris'
    | 'idTokenSignedResponseAlg'
    | 'dpopBoundAccessTokens'
  >
>;

interface CheckedClient {
  name: string;
  redirectUris: string[];
  scopes: string[];
  grantTypes: GrantType[];
  postLogoutRedirectUris: string[];
  idTokenSignedResponseAlg: IdTokenAlg;
}

function view(c: OAuthClient): ClientView {
  return {
    id: c.id,
    clientId: c.clientId,
    name: c.name,
    type: c.type,
    redirectUris: [...c.redirectUris],
    grantTypes: [...c.grantTypes],
    scopes: [...c.scopes],
    postLogoutRedirectUris: [...c.postLogoutRedirectUris],
    idTokenSignedResponseAlg: c.idTokenSignedResponseAlg === 'RS256' ? 'RS256' : 'ES256',
    ownerId: c.ownerId,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    disabledAt: c.disabledAt ?? null,
    requirePar: c.requirePar ?? false,
    dpopBoundAccessTokens: c.dpopBoundAccessTokens ?? false,
    registration: c.registration ?? null,
    metadataUrl: c.metadataUrl ?? null,
    registrationMetadata: c.registrationMetadata ?? null,
  };
}

function selfRegistrationColumns(s: SelfRegistration): Partial<OAuthClient> {
  return {
    registration: s.registration,
    requirePar: s.requirePar ?? false,
    dpopBoundAccessTokens: s.dpopBoundAccessTokens ?? false,
    registrationMetadata: s.registrationMetadata,
    ...(s.registrationAccessTokenHash !== undefined
      ? { registrationAccessTokenHash: s.registrationAccessTokenHash }
      : {}),
    ...(s.metadataUrl !== undefined ? { metadataUrl: s.metadataUrl } : {}),
  };
}

/** Client secrets: 256 random bits with a recognisable prefix (secret scanners can spot leaks). */
const SECRET_PREFIX = 'iics_';
/** Change-feed kind: `client:<client_id>`. */
const CLIENT_KIND = 'client';

@Injectable()
export class ClientsService implements OnModuleInit {
  /**
   * Token-endpoint fast path: active clients by client_id, dropped on any change to that client (here
   * and, through the change feed, on every instance). All writes go through this service; the TTL bounds
   * staleness only for a change made to the table by hand.
   */
  private readonly cache = new ReadCache<OAuthClient>({ name: 'clients', ttlMs: 30_000, maxEntries: 10_000 });

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(OAuthClient) private readonly clients: Repository<OAuthClient>,
    private readonly hasher: SecretHasher,
    private readonly audit: AuditService,
    private readonly feed: ChangeFeed,
  ) {}

  /** A client changed here or on another instance/worker: drop it from this one's cache. */
  async onModuleInit(): Promise<void> {
    await this.feed.onInvalidate(CLIENT_KIND, (clientId) => this.cache.delete(clientId));
    // Invalidations published while Redis was down are lost (pub/sub is at-most-once): start afresh.
    this.feed.onResume(() => this.cache.clear());
  }

  async register(input: ClientInput): Promise<{ client: ClientView; clientSecret?: string }> {
    const checked = this.check(
      { ...input, grantTypes: input.grantTypes ?? this.defaultGrantTypes(input.type) },
      input.type,
      input.operator === true,
    );
    const clientSecret = input.type === 'confidential' ? SECRET_PREFIX + randomToken() : undefined;
    const saved = await this.clients.save(
      this.clients.create({
        clientId: `iic_${randomToken(18)}`,
        name: checked.name,
        type: input.type,
        redirectUris: checked.redirectUris,
        grantTypes: checked.grantTypes,
        scopes: checked.scopes,
        postLogoutRedirectUris: checked.postLogoutRedirectUris,
        idTokenSignedResponseAlg: checked.idTokenSignedResponseAlg,
        ownerId: input.ownerId ?? null,
        secretHash: clientSecret ? this.hasher.hash(clientSecret) : null,
        dpopBoundAccessTokens: input.dpopBoundAccessTokens ?? false,
        ...(input.selfRegistered ? selfRegistrationColumns(input.selfRegistered) : {}),
      }),
    );
    await this.audit.record({
      type: 'client.created',
      userId: saved.ownerId,
      clientId: saved.clientId,
      details: { name: saved.name, type: saved.type },
    });
    return { client: view(saved), clientSecret };
  }

  async listOwned(ownerId: string): Promise<ClientView[]> {
    const rows = await this.clients.find({
      where: { ownerId, revokedAt: IsNull() },
      order: { createdAt: 'DESC' },
    });
    return rows.map(view);
  }

  async getOwned(ownerId: string, id: string): Promise<ClientView> {
    return view(await this.owned(ownerId, id));
  }

  async update(ownerId: string, id: string, patch: ClientPatch): Promise<ClientView> {
    const client = await this.owned(ownerId, id);
    const merged = {
      name: patch.name ?? client.name,
      redirectUris: patch.redirectUris ?? client.redirectUris,
      scopes: patch.scopes ?? client.scopes,
      grantTypes: patch.grantTypes ?? client.grantTypes,
      postLogoutRedirectUris: patch.postLogoutRedirectUris ?? client.postLogoutRedirectUris,
      idTokenSignedResponseAlg: patch.idTokenSignedResponseAlg ?? client.idTokenSignedResponseAlg,
    };
    Object.assign(client, this.check(merged, client.type));
    if (patch.dpopBoundAccessTokens !== undefined) client.dpopBoundAccessTokens = patch.dpopBoundAccessTokens;
    const saved = await this.clients.save(client);
    this.forget(client.clientId);
    return view(saved);
  }

  /**
   * Deleting is a soft revoke: the client_id is never reissued and its tokens stop at once. `ownerId`
   * null: an operator (management API), any client.
   */
  async delete(ownerId: string | null, id: string): Promise<ClientView> {
    const client = ownerId === null ? await this.byId(id) : await this.owned(ownerId, id);
    client.revokedAt = new Date();
    await this.clients.save(client);
    this.forget(client.clientId);
    await this.audit.record({ type: 'client.deleted', userId: client.ownerId, clientId: client.clientId });
    return view(client);
  }

  /**
   * A self-registered client's metadata replaced as a whole (RFC 7592 §2.2 update, or a refreshed Client
   * ID Metadata Document); its type is fixed at registration.
   */
  async replaceSelfRegistered(
    id: string,
    input: Pick<ClientInput, 'name' | 'redirectUris' | 'scopes' | 'grantTypes'>,
    selfRegistered: SelfRegistration,
  ): Promise<ClientView> {
    const client = await this.byId(id);
    const checked = this.check({ ...input, grantTypes: input.grantTypes ?? client.grantTypes }, client.type);
    Object.assign(client, checked, selfRegistrationColumns(selfRegistered));
    const saved = await this.clients.save(client);
    this.forget(client.clientId);
    return view(saved);
  }

  /** Operators: every client that is not deleted, newest first, one keyset page at a time. */
  async listAll(page: PageRequest): Promise<Page<ClientView>> {
    const qb = this.clients.createQueryBuilder('c').where('c.revoked_at IS NULL');
    const { items, nextCursor } = await keysetPage(qb, 'c', page);
    return { items: items.map(view), nextCursor };
  }

  /** Operators: any client that is not deleted. */
  async getById(id: string): Promise<ClientView> {
    return view(await this.byId(id));
  }

  /**
   * Operators: a disabled client cannot authenticate or start authorizations, and the tokens it holds
   * stop working (the bearer check reads `findActive`) until it is enabled again.
   */
  async setDisabled(id: string, disabled: boolean): Promise<ClientView> {
    const client = await this.byId(id);
    if (disabled !== (client.disabledAt !== null)) {
      client.disabledAt = disabled ? new Date() : null;
      await this.clients.save(client);
      this.forget(client.clientId);
    }
    return view(client);
  }

  /** A deleted account's apps go with it: soft-revoked and dropped from every cache first. */
  async deleteAllOwnedBy(ownerId: string): Promise<void> {
    for (const client of await this.clients.findBy({ ownerId, revokedAt: IsNull() })) {
      await this.delete(ownerId, client.id);
    }
  }

  /** New secret shown once; the previous one keeps working for CLIENT_SECRET_ROTATION_OVERLAP seconds. */
  async rotateSecret(
    ownerId: string | null,
    id: string,
  ): Promise<{ client: ClientView; clientSecret: string }> {
    const client = ownerId === null ? await this.byId(id) : await this.owned(ownerId, id);
    if (client.type !== 'confidential') {
      throw new InvalidClientMetadata('type', 'public clients have no secret');
    }
    const clientSecret = SECRET_PREFIX + randomToken();
    const overlap = this.config.clientSecretRotationOverlap;
    client.previousSecretHash = overlap > 0 ? client.secretHash : null;
    client.previousSecretExpiresAt = overlap > 0 ? new Date(Date.now() + overlap * 1000) : null;
    client.secretHash = this.hasher.hash(clientSecret);
    await this.clients.save(client);
    this.forget(client.clientId);
    await this.audit.record({
      type: 'client.secret_rotated',
      userId: client.ownerId,
      clientId: client.clientId,
      details: { overlap_seconds: overlap },
    });
    return { client: view(client), clientSecret };
  }

  /** Client ID Metadata Documents: URL client_ids are resolved elsewhere (it depends on this service). */
  private urlClientIds?: (clientId: string) => Promise<ClientView | null>;

  resolveUrlClientIdsWith(resolver: (clientId: string) => Promise<ClientView | null>): void {
    this.urlClientIds = resolver;
  }

  /** The active client with this public id, or null. Served from a 30 s cache (invalidated on change). */
  async findActive(clientId: string): Promise<ClientView | null> {
    if (this.urlClientIds && clientId.startsWith('http')) return this.urlClientIds(clientId);
    const client = await this.activeEntity(clientId);
    return client ? view(client) : null;
  }

  /**
   * Whether `origin` (scheme://host[:port]) is the origin of a redirect URI of any active client: the
   * browser apps the OIDC userinfo endpoint answers CORS preflights for.
   */
  async isRegisteredOrigin(origin: string): Promise<boolean> {
    if (origin.length > 300 || !/^https?:\/\/[^/?#\s]+$/.test(origin)) return false;
    const rows: unknown[] = await this.clients.query(
      `SELECT 1 FROM "oauth_clients" WHERE "revoked_at" IS NULL AND EXISTS (
         SELECT 1 FROM unnest("redirect_uris") AS u
         WHERE u = $1 OR left(u, length($1) + 1) IN ($1 || '/', $1 || '?')
       ) LIMIT 1`,
      [origin],
    );
    return rows.length > 0;
  }

  /** Secret check in constant time against the current and, during an overlap, the previous secret. */
  async verifySecret(clientId: string, secret: string): Promise<boolean> {
    const client = await this.activeEntity(clientId);
    if (!client?.secretHash || secret.length > 200) return false;
    const current = this.hasher.matches(secret, client.secretHash);
    const previous =
      !!client.previousSecretHash &&
      !!client.previousSecretExpiresAt &&
      client.previousSecretExpiresAt.getTime() > Date.now() &&
      this.hasher.matches(secret, client.previousSecretHash);
    return current || previous;
  }

  /** After the write: this process's cache at once, other instances/workers through the feed. */
  private forget(clientId: string): void {
    this.feed.invalidate(CLIENT_KIND, clientId);
  }

  private async activeEntity(clientId: string): Promise<OAuthClient | null> {
    if (clientId.length > 64) return null;
    // Unknown and revoked ids are not cached (null): nothing would invalidate a negative entry.
    return this.cache.getOrLoad(clientId, () =>
      this.clients.findOneBy({ clientId, revokedAt: IsNull(), disabledAt: IsNull() }),
    );
  }

  /** Apps log users in by default; client_credentials must be asked for explicitly. */
  private defaultGrantTypes(_type: ClientType): GrantType[] {
    return ['authorization_code', 'refresh_token'];
  }

  private check(
    input: {
      name: string;
      redirectUris: string[];
      scopes: string[];
      grantTypes: string[];
      postLogoutRedirectUris?: string[];
      idTokenSignedResponseAlg?: string;
    },
    type: ClientType,
    operator = false,
  ): CheckedClient {
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) {
      throw new InvalidClientMetadata('name', 'must be 1 to 100 characters');
    }
    const redirectUris = [...new Set(input.redirectUris)];
    if (redirectUris.length > 10) {
      throw new InvalidClientMetadata('redirect_uris', 'at most 10 redirect URIs');
    }
    for (const uri of redirectUris) {
      const problem = redirectUriProblem(uri);
      if (problem) throw new InvalidClientMetadata('redirect_uris', `${uri.slice(0, 100)}: ${problem}`);
    }
    const scopes = [...new Set(input.scopes)];
    const grantTypes = [...new Set(input.grantTypes)];
    // Management scopes are unknown to everyone but operators, and even then only for a service that
    // authenticates itself and never acts for a user: never a user-facing app, never a public client.
    const managed =
      operator &&
      type === 'confidential' &&
      grantTypes.length === 1 &&
      grantTypes[0] === 'client_credentials';
    const management = scopes.filter((s) => isManagementScope(s));
    if (management.length && operator && !managed) {
      throw new InvalidClientMetadata(
        'scopes',
        'management scopes need a confidential client whose only grant type is client_credentials',
      );
    }
    const unknown = scopes.filter((s) => !isKnownScope(s) && !(managed && isManagementScope(s)));
    if (unknown.length) {
      throw new InvalidClientMetadata('scopes', `unknown scope: ${unknown.join(' ').slice(0, 100)}`);
    }
    for (const g of grantTypes) {
      if (!(GRANT_TYPES as readonly string[]).includes(g)) {
        throw new InvalidClientMetadata('grant_types', `unsupported grant type: ${g.slice(0, 50)}`);
      }
    }
    if (grantTypes.length === 0) throw new InvalidClientMetadata('grant_types', 'at least one grant type');
    if (
      type === 'public' &&
      (grantTypes.includes('client_credentials') || grantTypes.includes(TOKEN_EXCHANGE))
    ) {
      throw new InvalidClientMetadata('grant_types', 'public clients cannot use client_credentials');
    }
    if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
      throw new InvalidClientMetadata(
        'redirect_uris',
        'the authorization_code grant needs at least one redirect URI',
      );
    }
    // RP-Initiated Logout 1.0 §3.1: the same rules as redirect URIs (exact match, no open redirect).
    const postLogoutRedirectUris = [...new Set(input.postLogoutRedirectUris ?? [])];
    if (postLogoutRedirectUris.length > 10) {
      throw new InvalidClientMetadata('post_logout_redirect_uris', 'at most 10 post-logout redirect URIs');
    }
    for (const uri of postLogoutRedirectUris) {
      const problem = redirectUriProblem(uri);
      if (problem) {
        throw new InvalidClientMetadata('post_logout_redirect_uris', `${uri.slice(0, 100)}: ${problem}`);
      }
    }
    const alg = input.idTokenSignedResponseAlg ?? 'ES256';
    if (!(ID_TOKEN_ALGS as readonly string[]).includes(alg)) {
      throw new InvalidClientMetadata('id_token_signed_response_alg', 'must be ES256 or RS256');
    }
    return {
      name,
      redirectUris,
      scopes,
      grantTypes: grantTypes as GrantType[],
      postLogoutRedirectUris,
      idTokenSignedResponseAlg: alg as IdTokenAlg,
    };
  }

  private async owned(ownerId: string, id: string): Promise<OAuthClient> {
    const client = await this.clients.findOneBy({ id, ownerId, revokedAt: IsNull() });
    // Another user's client is indistinguishable from a missing one.
    if (!client) throw new NotFound('client');
    return client;
  }

  private async byId(id: string): Promise<OAuthClient> {
    const client = await this.clients.findOneBy({ id, revokedAt: IsNull() });
    if (!client) throw new NotFound('client');
    return client;
  }
}
