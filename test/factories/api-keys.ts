import type { INestApplicationContext } from '@nestjs/common';

import { ApiKeysService, type ApiKeyView } from '../../src/api-keys/api-keys.service';

export const ALL_API_KEY_SCOPES = ['read:user', 'read:projects', 'write:projects'];

/** An API key for a user, minted through the service (the HTTP path is covered by api-keys.e2e-spec). */
export async function createApiKey(
  app: INestApplicationContext,
  userId: string,
  overrides: { name?: string; scopes?: string[]; expiresAt?: Date | null } = {},
): Promise<ApiKeyView & { key: string }> {
  const issued = await app.get(ApiKeysService).create({
    userId,
    name: overrides.name ?? 'test key',
    scopes: overrides.scopes ?? ALL_API_KEY_SCOPES,
    expiresAt: overrides.expiresAt ?? null,
  });
  return { ...issued.key, key: issued.secret };
}

/** Request headers that present an API key. */
export function withKey(key: string, headers: Record<string, string> = {}): Record<string, string> {
  return { ...headers, 'x-api-key': key };
}
