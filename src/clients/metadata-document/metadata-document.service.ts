import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import { Repository } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { ChangeFeed } from '../../platform/cache/change-feed.service';
import { ValidationFailed } from '../../platform/errors/api-error';
import { InvalidClient } from '../../platform/errors/oauth-errors';
import { KNOWN_SCOPES, parseScope } from '../../tokens/scopes';
import { ClientsService, type ClientView, type GrantType } from '../clients.service';
import { OAuthClient } from '../oauth-client.entity';
import { metadataDocumentUrl } from './client-id-url';
import { safeFetch, SafeFetchError } from './safe-fetch';

/** The draft's limits as the MCP authorization spec applies them. */
export const MAX_DOCUMENT_BYTES = 5 * 1024;
export const FETCH_TIMEOUT_MS = 3000;
/** HTTP caching (RFC 9111) within bounds: never refetched more often than the floor, kept at most the ceiling. */
export const CACHE_FLOOR_SECONDS = 60;
export const CACHE_CEILING_SECONDS = 24 * 3600;
const DEFAULT_CACHE_SECONDS = 300;
/** A refused document is remembered briefly, so a bad client_id cannot make us fetch on every request. */
const FAILURE_CACHE_SECONDS = 10;

/** A client_id whose metadata document was refused; the description says why (shown to the user). */
export class MetadataDocumentRefused extends InvalidClient {
  constructor(
    reason: string,
    /** The stored client the refusal is about (an operator's decision), if any. */
    readonly clientId?: string,
  ) {
    super(`the client metadata document was refused: ${reason}`);
  }
}

type Cached = { client: ClientView } | { refused: string; clientId?: string };

/** RFC 9111 §5.2.2: max-age (or no-store/no-cache as 0), clamped to the floor and ceiling. */
export function cacheSeconds(cacheControl: string | undefined): number {
  let seconds = DEFAULT_CACHE_SECONDS;
  if (cacheControl) {
    const directives = cacheControl.toLowerCase();
    const maxAge = /(?:^|,)\s*max-age=(\d+)/.exec(directives);
    if (/(?:^|,)\s*(no-store|no-cache)/.test(directives)) seconds = 0;
    else if (maxAge) seconds = Number(maxAge[1]);
  }
  return Math.min(CACHE_CEILING_SECONDS, Math.max(CACHE_FLOOR_SECONDS, seconds));
}

function https(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > 2000) {
    throw new MetadataDocumentRefused(`${field} must be a URL`);
  }
  try {
    if (new URL(value).protocol === 'https:') return value;
  } catch {
    // falls through
  }
  throw new MetadataDocumentRefused(`${field} must be an https URL`);
}

/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, as the MCP authorization
 * spec uses them): a client_id that is an https URL names a JSON document describing the client. It is
 * fetched safely, validated, kept as a public client row (so codes, grants and the console work as for any
 * client) and refreshed as its HTTP caching headers say.
 */
@Injectable()
export class MetadataDocumentService implements OnModuleInit {
  private readonly logger = new Logger('ClientMetadataDocuments');
  private readonly cache = new LRUCache<string, Cached>({ max: 10_000 });
  private readonly inFlight = new Map<string, Promise<ClientView>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(OAuthClient) private readonly clients: Repository<OAuthClient>,
    private readonly registry: ClientsService,
    private readonly feed: ChangeFeed,
  ) {}

  async onModuleInit(): Promise<void> {
    this.registry.resolveUrlClientIdsWith((clientId) => this.resolve(clientId));
    // A client changed (disabled, deleted, refreshed) here or on another instance: forget its document.
    await this.feed.onInvalidate('client', (changed) => {
      for (const [url, entry] of this.cache.entries()) {
        if (('client' in entry ? entry.client.clientId : entry.clientId) === changed) this.cache.delete(url);
      }
    });
  }

  /** The client a URL client_id describes; null when the client_id is not a metadata document URL. */
  async resolve(clientId: string): Promise<ClientView | null> {
    const url = metadataDocumentUrl(clientId, this.config.agents.cimdAllowPrivateHosts);
    if (!url) return null;
    const cached = this.cache.get(clientId);
    if (cached) {
      if ('refused' in cached) throw new MetadataDocumentRefused(cached.refused);
      return cached.client;
    }
    // Concurrent first requests share one fetch.
    let pending = this.inFlight.get(clientId);
    if (!pending) {
      pending = this.load(clientId, url).finally(() => this.inFlight.delete(clientId));
      this.inFlight.set(clientId, pending);
    }
    return pending;
  }

  private async load(clientId: string, url: URL): Promise<ClientView> {
    try {
      const { document, ttl } = await this.fetchDocument(url);
      const client = await this.store(clientId, document);
      this.cache.set(clientId, { client }, { ttl: ttl * 1000 });
      return client;
    } catch (error) {
      if (!(error instanceof MetadataDocumentRefused)) throw error;
      this.logger.warn(
        { clientId: clientId.slice(0, 200), reason: error.description },
        'client metadata document refused',
      );
      this.cache.set(
        clientId,
        { refused: error.description.replace(/^.*refused: /, ''), clientId: error.clientId },
        { ttl: FAILURE_CACHE_SECONDS * 1000 },
      );
      throw error;
    }
  }

  private async fetchDocument(url: URL): Promise<{ document: Record<string, unknown>; ttl: number }> {
    let res;
    try {
      res = await safeFetch(url, {
        maxBytes: MAX_DOCUMENT_BYTES,
        timeoutMs: FETCH_TIMEOUT_MS,
        allowPrivate: this.config.agents.cimdAllowPrivateHosts,
      });
    } catch (error) {
      throw new MetadataDocumentRefused(error instanceof SafeFetchError ? error.message : 'the fetch failed');
    }
    // No redirects (the draft: the document is at the client_id itself).
    if (res.status !== 200) throw new MetadataDocumentRefused(`the server answered HTTP ${res.status}`);
    let document: unknown;
    try {
      document = JSON.parse(res.body);
    } catch {
      throw new MetadataDocumentRefused('the document is not JSON');
    }
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      throw new MetadataDocumentRefused('the document is not a JSON object');
    }
    const cacheControl = res.headers['cache-control'];
    return { document: document as Record<string, unknown>, ttl: cacheSeconds(cacheControl) };
  }

  /** Validates the document (draft §4) and creates or refreshes the client row it describes. */
  private async store(clientId: string, doc: Record<string, unknown>): Promise<ClientView> {
    if (doc.client_id !== clientId) {
      throw new MetadataDocumentRefused('client_id in the document differs from its URL');
    }
    // Draft §4.1: a metadata document cannot hold a shared secret (anyone can read it).
    if (doc.client_secret !== undefined || doc.client_secret_expires_at !== undefined) {
      throw new MetadataDocumentRefused('the document must not contain a client secret');
    }
    const method = doc.token_endpoint_auth_method ?? 'none';
    if (method !== 'none' && method !== 'private_key_jwt') {
      throw new MetadataDocumentRefused('token_endpoint_auth_method must be none or private_key_jwt');
    }
    if (method === 'private_key_jwt' && https(doc.jwks_uri, 'jwks_uri') === undefined) {
      throw new MetadataDocumentRefused('private_key_jwt needs a jwks_uri');
    }
    const redirectUris = doc.redirect_uris;
    if (
      !Array.isArray(redirectUris) ||
      redirectUris.length === 0 ||
      !redirectUris.every((u) => typeof u === 'string')
    ) {
      throw new MetadataDocumentRefused('redirect_uris must be a non-empty array of strings');
    }
    const grantTypes = (doc.grant_types ?? ['authorization_code', 'refresh_token']) as unknown;
    if (
      !Array.isArray(grantTypes) ||
      !grantTypes.every((g) => g === 'authorization_code' || g === 'refresh_token')
    ) {
      throw new MetadataDocumentRefused('grant_types may only be authorization_code and refresh_token');
    }
    const scopes =
      doc.scope === undefined
        ? [...KNOWN_SCOPES]
        : typeof doc.scope === 'string'
          ? parseScope(doc.scope)
          : undefined;
    if (!scopes?.length) throw new MetadataDocumentRefused('scope is malformed');
    const host = new URL(clientId).host;
    const name =
      typeof doc.client_name === 'string' && doc.client_name.trim()
        ? doc.client_name.trim().slice(0, 100)
        : host;
    const echo: Record<string, unknown> = { token_endpoint_auth_method: method };
    for (const field of ['logo_uri', 'client_uri', 'tos_uri', 'policy_uri', 'jwks_uri'] as const) {
      const value = https(doc[field], field);
      if (value !== undefined) echo[field] = value;
    }
    const input = {
      name,
      redirectUris: redirectUris,
      scopes: scopes.filter((s) => (KNOWN_SCOPES as string[]).includes(s)),
      grantTypes: grantTypes as GrantType[],
    };
    if (input.scopes.length === 0) {
      throw new MetadataDocumentRefused('none of the requested scopes is known here');
    }
    const self = {
      registration: 'metadata_document' as const,
      registrationMetadata: echo,
      metadataUrl: clientId,
    };
    try {
      const existing = await this.clients.findOneBy({ metadataUrl: clientId });
      // An operator's delete or disable wins over whatever the document says.
      if (existing?.revokedAt) {
        throw new MetadataDocumentRefused('this client was removed by an operator', existing.clientId);
      }
      if (existing?.disabledAt) {
        throw new MetadataDocumentRefused('this client is disabled by an operator', existing.clientId);
      }
      if (existing) return await this.registry.replaceSelfRegistered(existing.id, input, self);
      // Draft §6: the client is public; PKCE is required like for every public client.
      const { client } = await this.registry.register({ ...input, type: 'public', selfRegistered: self });
      return client;
    } catch (error) {
      if (error instanceof ValidationFailed) {
        throw new MetadataDocumentRefused(
          error.fields.map((f) => `${f.field}: ${f.messages.join('; ')}`).join(', '),
        );
      }
      throw error;
    }
  }
}
