import { createHash } from 'node:crypto';

import { constantTimeEqual } from '../../platform/crypto/crypto.service';

/** RFC 7636 §4.1/§4.2: 43–128 characters of the unreserved set. */
const VERIFIER_OR_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;

export function isValidPkceValue(value: string): boolean {
  return VERIFIER_OR_CHALLENGE.test(value);
}

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge. */
export function verifyS256(verifier: string, challenge: string): boolean {
  if (!isValidPkceValue(verifier)) return false;
  return constantTimeEqual(createHash('sha256').update(verifier, 'ascii').digest('base64url'), challenge);
}
