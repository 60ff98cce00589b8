import * as fc from 'fast-check';

import {
  API_KEY_LENGTH,
  base62,
  BASE62_ALPHABET,
  checksumOf,
  crc32,
  crc32Portable,
  formatApiKey,
  generateApiKey,
  parseApiKey,
} from './api-key-format';

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const env = fc.constantFrom('live' as const, 'test' as const);

describe('API-key format', () => {
  describe('crc32', () => {
    it('matches the standard check value (CRC-32/ISO-HDLC of "123456789" = 0xCBF43926)', () => {
      expect(crc32Portable('123456789')).toBe(0xcbf43926);
      expect(crc32('123456789')).toBe(0xcbf43926);
      expect(crc32Portable('')).toBe(0);
    });

    it('the portable fallback agrees with the native one on any input', () => {
      fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => crc32Portable(s) === crc32(s)));
    });
  });

  describe('base62', () => {
    it('pads to the width and uses the whole alphabet', () => {
      expect(base62(0n, 6)).toBe('000000');
      expect(base62(61n, 2)).toBe('0z');
      expect(base62(62n, 2)).toBe('10');
      expect(base62(0xffffffffn, 6)).toBe('4gfFC3');
      expect(base62(2n ** 256n - 1n, 43)).toHaveLength(43);
      expect(new Set(BASE62_ALPHABET).size).toBe(62);
    });

    it('refuses negative numbers', () => {
      expect(() => base62(-1n, 1)).toThrow(RangeError);
    });
  });

  describe('formatApiKey / parseApiKey', () => {
    it('has the documented shape: iik_<env>_ + 43 random + 6 checksum characters', () => {
      const key = formatApiKey('test', new Uint8Array(32).fill(7));
      expect(key).toMatch(/^iik_test_[0-9A-Za-z]{43}[0-9A-Za-z]{6}$/);
      expect(key).toHaveLength(API_KEY_LENGTH);
      expect(key.slice(-6)).toBe(checksumOf(key.slice(0, -6)));
    });

    it('encodes the smallest and largest random values without losing length', () => {
      expect(formatApiKey('live', new Uint8Array(32))).toMatch(/^iik_live_0{43}[0-9A-Za-z]{6}$/);
      expect(parseApiKey(formatApiKey('live', new Uint8Array(32).fill(255)))).not.toBeNull();
    });

    it('refuses a random part that is not 32 bytes', () => {
      expect(() => formatApiKey('test', new Uint8Array(31))).toThrow(RangeError);
    });

    it('round-trips every key and exposes a short visible prefix', () => {
      fc.assert(
        fc.property(env, bytes32, (e, random) => {
          const key = formatApiKey(e, random);
          const parsed = parseApiKey(key);
          return (
            parsed !== null &&
            parsed.env === e &&
            `iik_${e}_${parsed.random}${parsed.checksum}` === key &&
            parsed.prefix === key.slice(0, `iik_${e}_`.length + 4)
          );
        }),
      );
    });

    it('rejects any single-character change (CRC32 catches every error burst up to 32 bits)', () => {
      fc.assert(
        fc.property(
          env,
          bytes32,
          fc.nat(),
          fc.constantFrom(...BASE62_ALPHABET),
          (e, random, at, replacement) => {
            const key = formatApiKey(e, random);
            const position = 'iik_test_'.length + (at % (key.length - 'iik_test_'.length));
            fc.pre(key[position] !== replacement);
            const tampered = key.slice(0, position) + replacement + key.slice(position + 1);
            return parseApiKey(tampered) === null;
          },
        ),
      );
    });

    it('rejects a key whose env was swapped (the checksum covers the env)', () => {
      const key = formatApiKey('test', new Uint8Array(32).fill(1));
      expect(parseApiKey(key.replace('iik_test_', 'iik_live_'))).toBeNull();
    });

    it('rejects anything that is not exactly the format', () => {
      const key = formatApiKey('test', new Uint8Array(32).fill(9));
      for (const bad of [
        undefined,
        42,
        '',
        key.slice(0, -1),
        `${key}0`,
        ` ${key.slice(1)}`,
        key.replace('iik_', 'iix_'),
        key.replace('iik_test_', 'iik_prod_'),
        key.toUpperCase(),
        key.slice(0, 20) + '-' + key.slice(21),
        'x'.repeat(100_000),
      ]) {
        expect(parseApiKey(bad)).toBeNull();
      }
    });

    it('generates distinct keys with 256 bits of randomness', () => {
      const a = generateApiKey('live');
      const b = generateApiKey('live');
      expect(a.key).not.toBe(b.key);
      expect(parseApiKey(a.key)?.prefix).toBe(a.prefix);
      expect(a.prefix).toMatch(/^iik_live_[0-9A-Za-z]{4}$/);
    });
  });
});
