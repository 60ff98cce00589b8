import { Logger } from '@nestjs/common';
import type { Repository } from 'typeorm';

import type { AuditService } from '../audit/audit.service';
import { loadConfig } from '../config/app-config';
import { ChangeFeed } from '../platform/cache/change-feed.service';
import { SecretHasher } from '../platform/crypto/crypto.service';
import type { ApiKey } from './api-key.entity';
import { formatApiKey, generateApiKey } from './api-key-format';
import { ApiKeysService, LAST_USED_RESOLUTION_MS, VERIFIED_KEY_TTL_MS } from './api-keys.service';

/** The hot path without PostgreSQL: a fake repository counts what the service asks of the database. */
async function setup() {
  const config = loadConfig({ NODE_ENV: 'test' });
  const hasher = new SecretHasher(config);
  const rows = new Map<string, ApiKey>();
  const repo = {
    findOne: jest.fn(async ({ where }: { where: { keyHash: string } }) => rows.get(where.keyHash) ?? null),
    update: jest.fn(async () => ({ affected: 1 })),
  };
  const audit = { record: jest.fn(async () => undefined) } as unknown as AuditService;
  // The real feed without Redis: invalidations reach this process's handlers only.
  const feed = new ChangeFeed(config);
  const service = new ApiKeysService(config, repo as unknown as Repository<ApiKey>, hasher, audit, feed);
  await service.onModuleInit();
  const add = (overrides: Partial<ApiKey> = {}): string => {
    const { key, prefix } = generateApiKey('test');
    const row = {
      id: `id-${rows.size}`,
      userId: 'user-1',
      name: 'k',
      prefix,
      keyHash: hasher.hash(key),
      scopes: ['read:projects'],
      createdAt: new Date(),
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
      ...overrides,
    };
    rows.set(row.keyHash, row);
    return key;
  };
  return { service, repo, rows, hasher, add };
}

describe('ApiKeysService.verify', () => {
  let now: number;
  beforeEach(() => {
    now = Date.parse('2030-01-01T00:00:00Z');
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  it('refuses malformed keys, bad checksums and other-environment keys without touching the database', async () => {
    const { service, repo, add } = await setup();
    const good = add();
    const badChecksum = good.slice(0, -1) + (good.endsWith('0') ? '1' : '0');
    for (const raw of ['', 'nope', badChecksum, formatApiKey('live', new Uint8Array(32)), `${good} `]) {
      expect(await service.verify(raw)).toBeNull();
    }
    expect(repo.findOne).not.toHaveBeenCalled();
    expect(repo.update).not.toHaveBeenCalled();
  });

  it('verifies a key once from the database, then from memory until the TTL', async () => {
    const { service, repo, add } = await setup();
    const key = add({ scopes: ['read:user', 'write:projects'] });
    const first = await service.verify(key);
    expect(first).toMatchObject({ id: 'id-0', userId: 'user-1', scopes: ['read:user', 'write:projects'] });
    await service.verify(key);
    await service.verify(key);
    expect(repo.findOne).toHaveBeenCalledTimes(1);
    now += VERIFIED_KEY_TTL_MS;
    await service.verify(key);
    expect(repo.findOne).toHaveBeenCalledTimes(2);
  });

  it('returns null for unknown, revoked and expired keys', async () => {
    const { service, add } = await setup();
    expect(await service.verify(generateApiKey('test').key)).toBeNull();
    expect(await service.verify(add({ revokedAt: new Date(now - 1) }))).toBeNull();
    expect(await service.verify(add({ expiresAt: new Date(now) }))).toBeNull();
    expect(await service.verify(add({ expiresAt: new Date(now + 1) }))).not.toBeNull();
  });

  it('lets a cached key die at its expiry, and forgets it on invalidate', async () => {
    const { service, repo, rows, hasher, add } = await setup();
    const key = add({ expiresAt: new Date(now + 5000) });
    expect(await service.verify(key)).not.toBeNull();
    now += 5000;
    expect(await service.verify(key)).toBeNull();
    expect(repo.findOne).toHaveBeenCalledTimes(1);

    const other = add();
    expect(await service.verify(other)).not.toBeNull();
    rows.get(hasher.hash(other))!.revokedAt = new Date(now);
    expect(await service.verify(other)).not.toBeNull(); // still cached: staleness bounded by the TTL
    service.invalidate(hasher.hash(other));
    expect(await service.verify(other)).toBeNull();
  });

  it('writes last_used_at at most once a minute per key, in the background', async () => {
    const { service, repo, add } = await setup();
    const a = add();
    const b = add();
    await service.verify(a);
    await service.verify(a);
    await service.verify(b);
    expect(repo.update).toHaveBeenCalledTimes(2);
    expect(repo.update).toHaveBeenCalledWith({ id: 'id-0' }, { lastUsedAt: new Date(now) });
    now += LAST_USED_RESOLUTION_MS - 1;
    await service.verify(a);
    expect(repo.update).toHaveBeenCalledTimes(2);
    now += 1;
    await service.verify(a);
    expect(repo.update).toHaveBeenCalledTimes(3);
  });

  it('logs a failed last_used_at write and never fails the request or leaves a rejection unhandled', async () => {
    const { service, repo, add } = await setup();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    repo.update.mockRejectedValueOnce(new Error('connection lost'));
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      expect(await service.verify(add())).not.toBeNull();
      await service.onModuleDestroy();
      await new Promise((resolve) => setImmediate(resolve));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
