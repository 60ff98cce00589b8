import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { ChangeFeed } from '../../platform/cache/change-feed.service';
import { SealedBox } from '../../platform/crypto/sealed-box';
import {
  type IdentityProviderConfig,
  IdentityProvidersService,
  IDP_KIND,
} from './identity-providers.service';
import { setUpstreamButtons } from './upstream-buttons';
import { UpstreamStateCookie } from './upstream-state';
import { discover, OidcUpstreamStrategy, UpstreamRejected, UpstreamStrategy } from './upstream-strategy';

/**
 * One passport-oauth2 strategy per enabled provider, built at start-up and rebuilt whenever a provider is
 * added or disabled — here, or on any other instance (change feed `idp:<slug>`). An OpenID provider's
 * strategy needs its discovery document: when the provider is down at build time, the next sign-in
 * attempt tries again.
 */
/** How stale the provider list may get when a change-feed message was lost. */
const RELOAD_EVERY_MS = 30_000;

@Injectable()
export class IdpRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(IdpRegistry.name);
  readonly state: UpstreamStateCookie;
  private configs = new Map<string, IdentityProviderConfig>();
  private strategies = new Map<string, Promise<UpstreamStrategy>>();
  /** Bumped on every reload, so a slow load never overwrites a newer one. */
  private generation = 0;
  private poll?: NodeJS.Timeout;
  private fingerprint = '';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly providers: IdentityProvidersService,
    private readonly feed: ChangeFeed,
  ) {
    this.state = new UpstreamStateCookie(
      new SealedBox(config.secrets.keyEncryptionKey, 'upstream-sign-in-state'),
      config.issuer.startsWith('https://'),
    );
  }

  async onModuleInit(): Promise<void> {
    await this.feed.onInvalidate(IDP_KIND, () => {
      this.reload().catch((error: unknown) =>
        this.logger.warn(`reloading providers failed: ${String(error)}`),
      );
    });
    await this.reload();
    // Safety net for a change whose message was lost (the admin CLI without Redis reaches no server).
    this.poll = setInterval(() => {
      this.reload().catch((error: unknown) =>
        this.logger.warn(`reloading providers failed: ${String(error)}`),
      );
    }, RELOAD_EVERY_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.poll);
  }

  async reload(): Promise<void> {
    const generation = ++this.generation;
    const configs = await this.providers.enabledConfigs();
    if (generation !== this.generation) return;
    // Unchanged (the periodic reload, mostly): keep the built strategies, their discovery and keys.
    const fingerprint = JSON.stringify(configs);
    if (fingerprint === this.fingerprint) return;
    this.fingerprint = fingerprint;
    this.configs = new Map(configs.map((c) => [c.slug, c]));
    this.strategies = new Map();
    setUpstreamButtons(configs.map((c) => ({ slug: c.slug, name: c.name })));
    for (const c of configs) void this.strategy(c.slug)?.catch(() => undefined);
  }

  provider(slug: string): IdentityProviderConfig | undefined {
    return this.configs.get(slug);
  }

  /** The provider's strategy; undefined for an unknown or disabled slug. */
  strategy(slug: string): Promise<UpstreamStrategy> | undefined {
    const provider = this.configs.get(slug);
    if (!provider) return undefined;
    let built = this.strategies.get(slug);
    if (!built) {
      const strategies = this.strategies;
      built = this.build(provider);
      strategies.set(slug, built);
      // A failed build (provider down) is not remembered: the next attempt tries again.
      built.catch(() => {
        if (strategies.get(slug) === built) strategies.delete(slug);
      });
    }
    return built;
  }

  private async build(provider: IdentityProviderConfig): Promise<UpstreamStrategy> {
    const callback = `${this.config.issuer}/auth/idp/${provider.slug}/callback`;
    if (provider.oidc) {
      const discovered = await discover(provider.issuer!);
      return new OidcUpstreamStrategy(provider, discovered, callback, this.state);
    }
    if (!provider.authorizationUrl || !provider.tokenUrl) {
      throw new UpstreamRejected('the provider has no authorization or token endpoint');
    }
    const endpoints = {
      authorizationUrl: provider.authorizationUrl,
      tokenUrl: provider.tokenUrl,
      userinfoUrl: provider.userinfoUrl,
    };
    return new UpstreamStrategy(provider, endpoints, callback, this.state);
  }
}
