import { bearerMatches } from './metrics-listener';

describe('bearerMatches', () => {
  const token = 'a-scrape-token-of-some-length';
  it('accepts exactly the configured bearer token', () => {
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, token)).toBe(true);
  });
  it('refuses a missing, different, longer, shorter or differently schemed credential', () => {
    expect(bearerMatches(undefined, token)).toBe(false);
    expect(bearerMatches('', token)).toBe(false);
    expect(bearerMatches(`Bearer ${token}x`, token)).toBe(false);
    expect(bearerMatches(`Bearer ${token.slice(1)}`, token)).toBe(false);
    expect(bearerMatches(`Basic ${token}`, token)).toBe(false);
    expect(bearerMatches(`Bearer  ${token}`, token)).toBe(false);
  });
  it('needs no credential when no token is configured (METRICS_PORT alone)', () => {
    expect(bearerMatches(undefined, undefined)).toBe(true);
  });
});
