import { ONE_TIME_SECRET_LIMIT, ONE_TIME_SECRET_TTL_MS, OneTimeSecrets } from './one-time-secrets';

describe('OneTimeSecrets', () => {
  const secret = { kind: 'client_secret', appId: 'app-1', secret: 'iics_abc' } as const;

  afterEach(() => jest.useRealTimers());

  it('gives a secret back once, to the session that stored it', () => {
    const store = new OneTimeSecrets();
    const id = store.put('session-a', secret);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(store.take('session-b', id)).toBeUndefined();
    expect(store.take('session-a', id)).toEqual(secret);
    expect(store.take('session-a', id)).toBeUndefined();
  });

  it('forgets a secret after five minutes', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const store = new OneTimeSecrets();
    const id = store.put('s', secret);
    jest.setSystemTime(1_000_000 + ONE_TIME_SECRET_TTL_MS);
    expect(store.take('s', id)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('sweeps expired entries and stays bounded under a flood', () => {
    jest.useFakeTimers({ now: 0 });
    const store = new OneTimeSecrets();
    store.put('old', secret);
    jest.setSystemTime(ONE_TIME_SECRET_TTL_MS + 1);
    for (let i = 0; i < ONE_TIME_SECRET_LIMIT + 5; i++) store.put(`s${i}`, secret);
    expect(store.size).toBeLessThanOrEqual(ONE_TIME_SECRET_LIMIT);
  });

  it('refuses malformed ids without a lookup', () => {
    const store = new OneTimeSecrets();
    expect(store.take('s', undefined)).toBeUndefined();
    expect(store.take('s', '../../x')).toBeUndefined();
    expect(store.take('s', 'short')).toBeUndefined();
  });
});
