import { randomInt } from 'node:crypto';

/**
 * RFC 8628 §6.1: the user code's alphabet. Consonants only (no vowels, so no words spelled by accident)
 * and none easily confused (no A E I O U Y, no 0/O or 1/I/L since digits are left out): 20 letters.
 * Eight of them give 20^8 ≈ 2^34.6 codes, which is why guessing is rate limited so tightly.
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;

/** A fresh code, as shown to the user: `BCDF-GHJK` (RFC 8628 §6.1: the dash is only for reading). */
export function generateUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return formatUserCode(code);
}

export function formatUserCode(normalized: string): string {
  return `${normalized.slice(0, 4)}-${normalized.slice(4)}`;
}

/**
 * What the user typed, as the code it stands for: case-insensitive, dashes and spaces ignored (RFC 8628
 * §6.1 recommends both). Undefined when it cannot be a code at all, so no lookup (and no guess) is spent.
 */
export function normalizeUserCode(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 32) return undefined;
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== USER_CODE_LENGTH) return undefined;
  for (const c of code) if (!USER_CODE_ALPHABET.includes(c)) return undefined;
  return code;
}
