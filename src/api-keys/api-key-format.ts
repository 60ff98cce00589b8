import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';

/**
 * The API-key wire format, in the style of GitHub's token format:
 *
 *     iik_<env>_<43 chars: 32 random bytes in base62><6 chars: CRC32 of everything before, in base62>
 *
 * - The fixed `iik_` prefix lets secret scanners recognise a leaked key; `<env>` says whether it is a
 *   live or a test key, so a test key never unlocks production (and the reverse).
 * - 32 random bytes = 256 bits of entropy (the design's floor for every secret we mint).
 * - The CRC32 checksum lets anyone (a scanner, our own authenticator) reject a mistyped or made-up key
 *   offline, before any database work. It is not a MAC: it proves well-formedness, not authenticity.
 *
 * Pure functions only: no config, no I/O beyond the random source of `generateApiKey`.
 */

export type ApiKeyEnv = 'live' | 'test';

export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const RANDOM_BYTES = 32;
/** ceil(256 / log2(62)) = 43: every 32-byte value fits. */
export const RANDOM_LENGTH = 43;
/** ceil(32 / log2(62)) = 6: every CRC32 value fits. */
export const CHECKSUM_LENGTH = 6;
/** Random characters kept in the visible prefix: enough to tell keys apart in a list, useless to guess. */
export const VISIBLE_RANDOM_CHARS = 4;
/** Every key has this length: `iik_` + 4-letter env + `_` + 43 + 6. */
export const API_KEY_LENGTH = 'iik_'.length + 4 + 1 + RANDOM_LENGTH + CHECKSUM_LENGTH;

const KEY_PATTERN = new RegExp(
  `^(iik_(live|test)_([0-9A-Za-z]{${RANDOM_LENGTH}}))([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`,
);

export interface ParsedApiKey {
  env: ApiKeyEnv;
  /** The 43 base62 characters carrying the entropy. */
  random: string;
  checksum: string;
  /** What is stored and listed: `iik_<env>_` + the first random characters. */
  prefix: string;
}

/** Base62 of a non-negative integer, left-padded with '0' to `width` (never truncated). */
export function base62(value: bigint, width: number): string {
  if (value < 0n) throw new RangeError('base62 needs a non-negative integer');
  let out = '';
  let rest = value;
  while (rest > 0n) {
    out = BASE62_ALPHABET[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out.padStart(width, '0');
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

let table: Uint32Array | undefined;

/** Table-driven CRC-32 (ISO-HDLC, the zlib/PNG one): the fallback for Node < 20.15 without zlib.crc32. */
export function crc32Portable(input: string): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of Buffer.from(input, 'utf8')) crc = table[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

type Crc32 = (data: string) => number;
// zlib.crc32 exists from Node 20.15 / 22.2 (native, faster); package.json only promises Node >= 20.
const nativeCrc32 = (zlib as { crc32?: Crc32 }).crc32;

export function crc32(input: string): number {
  return nativeCrc32 ? nativeCrc32(input) : crc32Portable(input);
}

/** The 6-character checksum of a key body (`iik_<env>_<random>`). */
export function checksumOf(body: string): string {
  return base62(BigInt(crc32(body)), CHECKSUM_LENGTH);
}

/** Builds a key from given random bytes (tests pass fixed bytes; production uses generateApiKey). */
export function formatApiKey(env: ApiKeyEnv, random: Uint8Array): string {
  if (random.length !== RANDOM_BYTES) throw new RangeError(`an API key needs ${RANDOM_BYTES} random bytes`);
  const body = `iik_${env}_${base62(bytesToBigInt(random), RANDOM_LENGTH)}`;
  return body + checksumOf(body);
}

/** A fresh key from the CSPRNG, with its visible prefix. */
export function generateApiKey(env: ApiKeyEnv): { key: string; prefix: string } {
  const key = formatApiKey(env, randomBytes(RANDOM_BYTES));
  return { key, prefix: visiblePrefix(env, key.slice(`iik_${env}_`.length)) };
}

function visiblePrefix(env: ApiKeyEnv, random: string): string {
  return `iik_${env}_${random.slice(0, VISIBLE_RANDOM_CHARS)}`;
}

/**
 * Parses a presented key. Returns null for anything that is not exactly our format with a correct
 * checksum, so callers can refuse garbage without touching the database.
 */
export function parseApiKey(raw: unknown): ParsedApiKey | null {
  // Length first: a cheap bound before the regex ever sees attacker-sized input.
  if (typeof raw !== 'string' || raw.length !== API_KEY_LENGTH) return null;
  const match = KEY_PATTERN.exec(raw);
  if (!match) return null;
  const [, body, env, random, checksum] = match as unknown as [string, string, ApiKeyEnv, string, string];
  if (checksumOf(body) !== checksum) return null;
  return { env, random, checksum, prefix: visiblePrefix(env, random) };
}
