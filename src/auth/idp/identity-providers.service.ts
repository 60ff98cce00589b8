import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, QueryFailedError, Repository } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { ChangeFeed } from '../../platform/cache/change-feed.service';
import { SealedBox } from '../../platform/crypto/sealed-box';
import { Conflict, NotFound, ValidationFailed } from '../../platform/errors/api-error';
import { IdentityProvider } from './identity-provider.entity';
import { PRESETS, PROVIDER_TYPES } from './presets';
import { UserIdentity } from './user-identity.entity';

/**
 * Change-feed kind `idp:<slug>`: a provider was added or disabled. Every instance rebuilds its
 * strategies (IdpRegistry), so a button never points at a provider another instance does not know.
 */
export const IDP_KIND = 'idp';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

export interface NewIdentityProvider {
  slug: string;
  type: string;
  name?: string;
  issuer?: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  authorizationUrl?: string;
  tokenUrl?: string;
  userinfoUrl?: string;
}

/** What the CLI and the console see: never the client secret. */
export interface IdentityProviderView {
  id: string;
  slug: string;
  type: string;
  name: string;
  issuer: string | null;
  clientId: string;
  scope: string;
  authorizationUrl: string | null;
  tokenUrl: string | null;
  userinfoUrl: string | null;
  enabled: boolean;
  createdAt: Date;
}

/** What a strategy is built from: the view plus the client secret, opened. Stays inside this folder. */
export interface IdentityProviderConfig extends IdentityProviderView {
  oidc: boolean;
  clientSecret: string;
}

export interface LinkedIdentity {
  id: string;
  providerId: string;
  subject: string;
  email: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

function view(p: IdentityProvider): IdentityProviderView {
  return {
    id: p.id,
    slug: p.slug,
    type: p.type,
    name: p.name,
    issuer: p.issuer,
    clientId: p.clientId,
    scope: p.scope,
    authorizationUrl: p.authorizationUrl,
    tokenUrl: p.tokenUrl,
    userinfoUrl: p.userinfoUrl,
    enabled: !p.disabledAt,
    createdAt: p.createdAt,
  };
}

function identityView(i: UserIdentity): LinkedIdentity {
  return {
    id: i.id,
    providerId: i.providerId,
    subject: i.subject,
    email: i.email,
    createdAt: i.createdAt,
    lastUsedAt: i.lastUsedAt,
  };
}

function httpUrl(
  field: string,
  value: string | undefined,
  problems: { field: string; messages: string[] }[],
) {
  if (value === undefined) return null;
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.href.replace(/\/$/, '');
  } catch {
    // reported below
  }
  problems.push({ field, messages: ['must be an http(s) URL'] });
  return null;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505';
}

/** Upstream identity providers and users' identities at them: the only writer of both tables. */
@Injectable()
export class IdentityProvidersService {
  private readonly box: SealedBox;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectRepository(IdentityProvider) private readonly providers: Repository<IdentityProvider>,
    @InjectRepository(UserIdentity) private readonly identities: Repository<UserIdentity>,
    private readonly feed: ChangeFeed,
  ) {
    this.box = new SealedBox(config.secrets.keyEncryptionKey, 'upstream-client-secret');
  }

  async create(input: NewIdentityProvider): Promise<IdentityProviderView> {
    const problems: { field: string; messages: string[] }[] = [];
    if (!SLUG.test(input.slug)) {
      problems.push({ field: 'slug', messages: ['1-40 lowercase letters, digits and dashes'] });
    }
    const preset = PRESETS[input.type];
    if (!preset) problems.push({ field: 'type', messages: [`one of ${PROVIDER_TYPES.join(', ')}`] });
    const issuer = httpUrl('issuer', input.issuer ?? preset?.issuer, problems);
    if (preset?.oidc && !issuer) {
      problems.push({ field: 'issuer', messages: ['required for an OpenID provider'] });
    }
    const authorizationUrl = httpUrl('authorization-url', input.authorizationUrl, problems);
    const tokenUrl = httpUrl('token-url', input.tokenUrl, problems);
    const userinfoUrl = httpUrl('userinfo-url', input.userinfoUrl, problems);
    if (!input.clientId || input.clientId.length > 500) {
      problems.push({ field: 'client-id', messages: ['required, at most 500 characters'] });
    }
    if (!input.clientSecret || input.clientSecret.length > 2000) {
      problems.push({ field: 'client-secret', messages: ['required, at most 2000 characters'] });
    }
    const name = (input.name ?? preset?.name ?? '').trim();
    if (name.length < 1 || name.length > 100) {
      problems.push({ field: 'name', messages: ['1-100 characters'] });
    }
    const scope = (input.scope ?? preset?.scope ?? '').trim();
    if (scope.length > 1000) problems.push({ field: 'scope', messages: ['at most 1000 characters'] });
    if (problems.length > 0 || !preset) throw new ValidationFailed(problems);
    try {
      const saved = await this.providers.save(
        this.providers.create({
          slug: input.slug,
          type: input.type,
          name,
          issuer: preset.oidc || input.issuer ? issuer : null,
          clientId: input.clientId,
          // The slug is the authenticated context: a sealed secret copied to another row does not open.
          clientSecretSealed: this.box.seal(input.clientSecret, `idp:${input.slug}`),
          scope,
          authorizationUrl: authorizationUrl ?? preset.authorizationUrl ?? null,
          tokenUrl: tokenUrl ?? preset.tokenUrl ?? null,
          userinfoUrl: userinfoUrl ?? preset.userinfoUrl ?? null,
          disabledAt: null,
        }),
      );
      this.feed.invalidate(IDP_KIND, saved.slug);
      return view(saved);
    } catch (error) {
      if (isUniqueViolation(error)) throw new Conflict(`a provider with slug ${input.slug} already exists`);
      throw error;
    }
  }

  async list(): Promise<IdentityProviderView[]> {
    const rows = await this.providers.find({ order: { createdAt: 'ASC' } });
    return rows.map(view);
  }

  async listEnabled(): Promise<IdentityProviderView[]> {
    const rows = await this.providers.find({ where: { disabledAt: IsNull() }, order: { createdAt: 'ASC' } });
    return rows.map(view);
  }

  async disable(slug: string): Promise<IdentityProviderView> {
    const { affected } = await this.providers.update(
      { slug, disabledAt: IsNull() },
      { disabledAt: new Date() },
    );
    const row = await this.providers.findOneBy({ slug });
    if (!row) throw new NotFound('identity provider');
    if (affected) this.feed.invalidate(IDP_KIND, slug);
    return view(row);
  }

  /** Enabled providers with their secrets opened, for building strategies. */
  async enabledConfigs(): Promise<IdentityProviderConfig[]> {
    const rows = await this.providers.find({ where: { disabledAt: IsNull() }, order: { createdAt: 'ASC' } });
    return rows.map((p) => ({
      ...view(p),
      oidc: PRESETS[p.type]?.oidc ?? false,
      clientSecret: this.box.open(p.clientSecretSealed, `idp:${p.slug}`),
    }));
  }

  async findIdentity(providerId: string, subject: string): Promise<LinkedIdentity | null> {
    const row = await this.identities.findOneBy({ providerId, subject });
    return row ? identityView(row) : null;
  }

  async identitiesOf(userId: string): Promise<LinkedIdentity[]> {
    const rows = await this.identities.find({ where: { userId }, order: { createdAt: 'ASC' } });
    return rows.map(identityView);
  }

  /** Links; false when this upstream account (or another of this provider) is already linked. */
  async link(userId: string, providerId: string, subject: string, email: string | null): Promise<boolean> {
    try {
      await this.identities.insert({ userId, providerId, subject, email: email?.slice(0, 254) ?? null });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async userOf(identityId: string): Promise<string | null> {
    const row = await this.identities.findOneBy({ id: identityId });
    return row?.userId ?? null;
  }

  async touch(identityId: string): Promise<void> {
    await this.identities.update({ id: identityId }, { lastUsedAt: new Date() });
  }

  async unlink(userId: string, identityId: string): Promise<LinkedIdentity | null> {
    const row = await this.identities.findOneBy({ id: identityId, userId });
    if (!row) return null;
    await this.identities.delete({ id: identityId, userId });
    return identityView(row);
  }
}
