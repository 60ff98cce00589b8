import { createServer } from 'node:net';

import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

import { ClientsService } from '../clients/clients.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { PlaygroundFlows } from '../playground/playground-flows';
import { UsersService } from '../users/users.service';

/** The console playground: the demo app's redirect URI, so the printed authorize URL lands somewhere. */
export const DEMO_REDIRECT_PATH = '/console/playground';
export const DEMO_USER = {
  email: 'demo@iiniit.local',
  password: 'demo-password-change-me',
  displayName: 'Demo User',
};

/**
 * First start on an empty embedded database: a demo account so `npm start` leads straight to a working
 * sign-in. Never with DATABASE_URL or in production (AppConfig.seedDemoData encodes that rule). On every
 * start with the demo app present, a fresh authorize URL (PKCE S256) that ends on the playground.
 */
@Injectable()
export class DemoDataService implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoData');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly flows: PlaygroundFlows,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.seedDemoData) return;
    // A start that is about to fail on a taken port must not write the demo rows: their secret would be
    // printed by no one. Probe the port first (listen follows within milliseconds).
    if (!(await portFree(this.config.host, this.config.port))) return;
    const lines = await this.seed();
    // The banner once the port is bound, so its URLs answer.
    const print = () => console.log(['', ...lines, ''].join('\n'));
    try {
      const fastify = this.adapterHost.httpAdapter?.getInstance<{
        addHook(name: 'onListen', hook: (done: () => void) => void): void;
      }>();
      if (!fastify) return print();
      fastify.addHook('onListen', (done) => {
        print();
        done();
      });
    } catch {
      // Fastify refuses hooks once it is ready: print at once.
      print();
    }
  }

  private async seed(): Promise<string[]> {
    const redirectUri = `${this.config.issuer}${DEMO_REDIRECT_PATH}`;
    const lines: string[] = [];
    let demoUser = await this.users.findByEmail(DEMO_USER.email);
    if (!demoUser && (await this.users.count()) === 0) {
      demoUser = await this.users.create(DEMO_USER);
      const { client, clientSecret } = await this.clients.register({
        name: 'Demo App',
        type: 'confidential',
        redirectUris: [redirectUri],
        scopes: ['read:user', 'read:projects', 'write:projects'],
        grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
        ownerId: demoUser.id,
      });
      this.logger.log('demo data created on the embedded database');
      // Printed once, on the first start: the secret is stored only as a hash.
      lines.push(
        'Demo data (embedded database, first start; the secret is shown only now):',
        `  user:          ${DEMO_USER.email} / ${DEMO_USER.password}`,
        `  client_id:     ${client.clientId}`,
        `  client_secret: ${clientSecret}`,
      );
    }
    if (!demoUser) return lines;
    const app = (await this.clients.listOwned(demoUser.id)).find((c) => c.redirectUris.includes(redirectUri));
    if (app) {
      const { state, codeChallenge } = this.flows.start(app.clientId, redirectUri);
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: app.clientId,
        redirect_uri: redirectUri,
        scope: 'read:user read:projects',
        state,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
      });
      lines.push(`  try:           ${this.config.issuer}/oauth2/authorize?${query.toString()}`);
    }
    lines.push(
      `  console:       ${this.config.issuer}/console`,
      `  API reference: ${this.config.issuer}/docs`,
    );
    return lines;
  }
}

/** True when nothing listens on host:port (port 0: the OS picks one, always free). */
function portFree(host: string, port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: false }, () => probe.close(() => resolve(true)));
  });
}
