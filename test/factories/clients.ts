import type { INestApplicationContext } from '@nestjs/common';

import { type ClientInput, ClientsService, type ClientView } from '../../src/clients/clients.service';

export const REDIRECT_URI = 'https://app.example.com/callback';

export async function createClient(
  app: INestApplicationContext,
  overrides: Partial<ClientInput> = {},
): Promise<{ client: ClientView; clientId: string; clientSecret?: string }> {
  const { client, clientSecret } = await app.get(ClientsService).register({
    name: 'Test App',
    type: 'confidential',
    redirectUris: [REDIRECT_URI],
    scopes: ['read:user', 'read:projects', 'write:projects'],
    ...overrides,
  });
  return { client, clientId: client.clientId, clientSecret };
}
