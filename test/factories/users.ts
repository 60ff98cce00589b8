import { randomUUID } from 'node:crypto';

import type { INestApplicationContext } from '@nestjs/common';

import { UsersService, type UserView } from '../../src/users/users.service';

export const TEST_PASSWORD = 'correct-horse-battery-staple';

export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${randomUUID().slice(0, 8)}@example.test`;
}

export async function createUser(
  app: INestApplicationContext,
  overrides: { email?: string; password?: string; displayName?: string } = {},
): Promise<UserView & { password: string }> {
  const password = overrides.password ?? TEST_PASSWORD;
  const user = await app.get(UsersService).create({
    email: overrides.email ?? uniqueEmail(),
    password,
    displayName: overrides.displayName,
  });
  return { ...user, password };
}
