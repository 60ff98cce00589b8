import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, Repository } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { constantTimeEqual, randomToken, SecretHasher } from '../../platform/crypto/crypto.service';
import { ValidationFailed } from '../../platform/errors/api-error';
import { InvalidToken } from '../../platform/errors/oauth-errors';
import { ClientsService, type ClientView } from '../clients.service';
import { OAuthClient } from '../oauth-client.entity';
import { parseClientMetadata, type RegisteredMetadata } from './client-metadata';
import { InitialAccessToken } from './initial-access-token.entity';
import { InvalidClientMetadataError, InvalidRedirectUri, RegistrationDisabled } from './registration.errors';

/** Recognisable prefixes, so secret scanners can spot leaked registration credentials. */
const REGISTRATION_TOKEN_PREFIX = 'iirat_';
const INITIAL_TOKEN_PREFIX = 'iiiat_';

/** A dynamically registered client nobody used for this long is removed. */
export const UNUSED_DYNAMIC_CLIENT_DAYS = 30;

/** RFC 7591 §3.2.1 / RFC 7592 §3: the registration response. */
export type RegistrationResponse = Record<string, unknown>;

/**
 * RFC 7591 dynamic client registration and RFC 7592 management: clients register themselves (when
 * DCR_MODE allows), get a registration access token (stored as a hash) and use it to read, update and
 * delete their registration.
 */
@Injectable()
export class RegistrationService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(OAuthClient) private readonly clients: Repository<OAuthClient>,
    @InjectRepository(InitialAccessToken) private readonly initialTokens: Repository<InitialAccessToken>,
    private readonly registry: ClientsService,
    private readonly hasher: SecretHasher,
  ) {}

  /** RFC 7591 §3: who may register depends on DCR_MODE; an initial access token is used up. */
  async admit(bearer: string | undefined): Promise<void> {
    const mode = this.config.agents.dcrMode;
    if (mode === 'off') throw new RegistrationDisabled();
    if (mode === 'open') return;
    if (!bearer?.startsWith(INITIAL_TOKEN_PREFIX) || bearer.length > 200) throw new InvalidToken();
    const used = await this.initialTokens
      .createQueryBuilder()
      .update()
      .set({ usedAt: () => 'now()' })
      .where('token_hash = :hash AND used_at IS NULL AND expires_at > now()', {
        hash: this.hasher.hash(bearer),
      })
      .execute();
    if (used.affected !== 1) throw new InvalidToken();
  }

  async register(body: unknown): Promise<RegistrationResponse> {
    const metadata = parseClientMetadata(body);
    const registrationAccessToken = REGISTRATION_TOKEN_PREFIX + randomToken();
    const { client, clientSecret } = await this.mapErrors(() =>
      this.registry.register({
        name: metadata.name,
        type: metadata.type,
        redirectUris: metadata.redirectUris,
        scopes: metadata.scopes,
        grantTypes: metadata.grantTypes,
        selfRegistered: {
          registration: 'dynamic',
          requirePar: metadata.requirePar,
          dpopBoundAccessTokens: metadata.dpopBoundAccessTokens,
          registrationAccessTokenHash: this.hasher.hash(registrationAccessToken),
          registrationMetadata: metadata.echo,
        },
      }),
    );
    return {
      ...this.response(client),
      ...(clientSecret ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
      registration_access_token: registrationAccessToken,
    };
  }

  /**
   * RFC 7592 §2.1: the current registration. §3 makes registration_access_token part of every response;
   * only its hash is stored, so it is the one the client just presented (still valid: reads do not rotate).
   */
  async read(clientId: string, token: string | undefined): Promise<RegistrationResponse> {
    const client = await this.authorized(clientId, token);
    return { ...this.response(client), registration_access_token: token };
  }

  /**
   * RFC 7592 §2.2: the metadata replaced as a whole; the registration access token is rotated (the old
   * one stops working) and the new one returned once.
   */
  async update(clientId: string, token: string | undefined, body: unknown): Promise<RegistrationResponse> {
    const client = await this.authorized(clientId, token);
    if (typeof body === 'object' && body !== null && 'client_id' in body && body.client_id !== clientId) {
      throw new InvalidClientMetadataError('client_id does not match the registration');
    }
    const metadata: RegisteredMetadata = parseClientMetadata(body);
    const wantsType = metadata.type;
    if (wantsType !== client.type) {
      throw new InvalidClientMetadataError(
        'token_endpoint_auth_method cannot change between public and confidential',
      );
    }
    const registrationAccessToken = REGISTRATION_TOKEN_PREFIX + randomToken();
    const updated = await this.mapErrors(() =>
      this.registry.replaceSelfRegistered(
        client.id,
        {
          name: metadata.name,
          redirectUris: metadata.redirectUris,
          scopes: metadata.scopes,
          grantTypes: metadata.grantTypes,
        },
        {
          registration: 'dynamic',
          requirePar: metadata.requirePar,
          dpopBoundAccessTokens: metadata.dpopBoundAccessTokens,
          registrationAccessTokenHash: this.hasher.hash(registrationAccessToken),
          registrationMetadata: metadata.echo,
        },
      ),
    );
    return { ...this.response(updated), registration_access_token: registrationAccessToken };
  }

  /** RFC 7592 §2.3: the client is deleted; its client_id and tokens stop working at once. */
  async delete(clientId: string, token: string | undefined): Promise<void> {
    const client = await this.authorized(clientId, token);
    await this.registry.delete(null, client.id);
  }

  /** An operator's initial access token (RFC 7591 §3), good for one registration until it expires. */
  async mintInitialAccessToken(ttlSeconds: number): Promise<{ token: string; expiresAt: Date }> {
    const token = INITIAL_TOKEN_PREFIX + randomToken();
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    await this.initialTokens.insert({ tokenHash: this.hasher.hash(token), expiresAt });
    return { token, expiresAt };
  }

  /**
   * Dynamically registered clients unused for UNUSED_DYNAMIC_CLIENT_DAYS: registered before then and no
   * authorization touched since. Deleted like any client (their client_id is never reissued).
   */
  async purgeUnused(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - UNUSED_DYNAMIC_CLIENT_DAYS * 86_400_000);
    const stale = await this.clients
      .createQueryBuilder('c')
      .where(`c.registration = 'dynamic' AND c.revoked_at IS NULL AND c.created_at < :cutoff`, { cutoff })
      .andWhere(
        `NOT EXISTS (SELECT 1 FROM "authorizations" a WHERE a.client_id = c.client_id AND a.updated_at >= :cutoff)`,
        { cutoff },
      )
      .getMany();
    for (const client of stale) await this.registry.delete(null, client.id);
    await this.initialTokens.delete({ expiresAt: LessThan(cutoff) });
    return stale.length;
  }

  /** RFC 7592 §2: a wrong token and an unknown client look the same (401 invalid_token). */
  private async authorized(clientId: string, token: string | undefined): Promise<OAuthClient> {
    if (!token || clientId.length > 64) throw new InvalidToken();
    const client = await this.clients.findOneBy({ clientId, revokedAt: IsNull(), registration: 'dynamic' });
    const expected = client?.registrationAccessTokenHash;
    if (!client || !expected || !constantTimeEqual(this.hasher.hash(token), expected)) {
      throw new InvalidToken();
    }
    return client;
  }

  private response(client: ClientView | OAuthClient): RegistrationResponse {
    const metadata = client.registrationMetadata ?? {};
    return {
      client_id: client.clientId,
      client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
      client_name: client.name,
      redirect_uris: client.redirectUris,
      grant_types: client.grantTypes,
      response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
      scope: client.scopes.join(' '),
      require_pushed_authorization_requests: client.requirePar ?? false,
      dpop_bound_access_tokens: client.dpopBoundAccessTokens ?? false,
      ...metadata,
      registration_client_uri: `${this.config.issuer}/oauth2/register/${client.clientId}`,
    };
  }

  /** ClientsService's field errors, as RFC 7591 §3.2.2 codes. */
  private async mapErrors<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof ValidationFailed)) throw error;
      const field = error.fields[0];
      const description = `${field?.field ?? 'metadata'}: ${field?.messages.join('; ') ?? 'invalid'}`;
      throw field?.field === 'redirect_uris'
        ? new InvalidRedirectUri(description)
        : new InvalidClientMetadataError(description);
    }
  }
}
