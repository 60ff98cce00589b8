import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ClientsService } from '../clients/clients.service';
import { UsersService } from '../users/users.service';

export const DEMO_REDIRECT_URI = 'http://localhost:8080/callback';
export const DEMO_USER = {
  email: 'demo@iiniit.local',
  password: 'demo-password-change-me',
  displayName: 'Demo User',
};

/**
 * First start on an empty embedded database: a demo account so `npm start` leads straight to a working
 * sign-in. Never with DATABASE_URL or in production (AppConfig.seedDemoData encodes that rule).
 */
@Injectable()
export class DemoDataService implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoData');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly clients: ClientsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.seedDemoData || (await this.users.count()) > 0) return;
    const user = await this.users.create(DEMO_USER);
    const { client, clientSecret } = await this.clients.register({
      name: 'Demo App',
      type: 'confidential',
      redirectUris: [DEMO_REDIRECT_URI],
      scopes: ['read:user', 'read:projects', 'write:projects'],
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      ownerId: user.id,
    });
    this.logger.log(`demo data created on the embedded database`);
    const authorize = `${this.config.issuer}/auth/login?response_type=code&client_id=${client.clientId}&redirect_uri=${encodeURIComponent(DEMO_REDIRECT_URI)}&scope=read:user&state=xyz`;
    // Printed once, on the first start: the secret is stored only as a hash.
    console.log(
      [
        '',
        'Demo data (embedded database, first start; shown only now):',
        `  user:          ${DEMO_USER.email} / ${DEMO_USER.password}`,
        `  client_id:     ${client.clientId}`,
        `  client_secret: ${clientSecret}`,
        `  redirect_uri:  ${DEMO_REDIRECT_URI}`,
        `  try:           ${authorize}`,
        '',
      ].join('\n'),
    );
  }
}
