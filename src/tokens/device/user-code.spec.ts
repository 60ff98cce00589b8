import { generateUserCode, normalizeUserCode, USER_CODE_ALPHABET } from './user-code';

describe('user codes (RFC 8628 §6.1)', () => {
  it('are eight letters of a no-vowel alphabet, shown as XXXX-XXXX', () => {
    for (let i = 0; i < 200; i++) {
      const code = generateUserCode();
      expect(code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    }
    expect(USER_CODE_ALPHABET).not.toMatch(/[AEIOUY01]/);
  });

  it('are entered case- and dash-insensitively', () => {
    expect(normalizeUserCode('BCDF-GHJK')).toBe('BCDFGHJK');
    expect(normalizeUserCode('bcdfghjk')).toBe('BCDFGHJK');
    expect(normalizeUserCode(' bcdf ghjk ')).toBe('BCDFGHJK');
    expect(normalizeUserCode('bc-df-gh-jk')).toBe('BCDFGHJK');
  });

  it('refuses what cannot be a code', () => {
    expect(normalizeUserCode('BCDF-GHJ')).toBeUndefined();
    expect(normalizeUserCode('ABCD-EFGH')).toBeUndefined();
    expect(normalizeUserCode('BCDF-GHJ1')).toBeUndefined();
    expect(normalizeUserCode('x'.repeat(100))).toBeUndefined();
    expect(normalizeUserCode(undefined)).toBeUndefined();
    expect(normalizeUserCode(['BCDFGHJK'])).toBeUndefined();
  });
});
