import { type KeyObject, sign } from 'node:crypto';

/** RFC 7515 §2: base64url without padding, of the UTF-8 JSON (RFC 7515 §7.1 compact serialization). */
export function encodeJwsPart(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * RFC 7515 §7.1 compact JWS with ES256 (RFC 7518 §3.4: ECDSA P-256 + SHA-256, the signature as the 64-byte
 * R || S concatenation, which node:crypto emits with `dsaEncoding: 'ieee-p1363'`).
 *
 * Why not jsonwebtoken here: on the token endpoint it re-validates its options and claims on every call and
 * converts node's DER signature to R || S in JavaScript; only the ECDSA operation itself is worth its cost.
 * The header is encoded once per key by the caller. Verification still goes through jsonwebtoken
 * (AccessTokensService.verify), so what we mint is checked by an independent implementation in every test.
 */
export function signCompactEs256(encodedHeader: string, payload: object, privateKey: KeyObject): string {
  const signingInput = `${encodedHeader}.${encodeJwsPart(payload)}`;
  const signature = sign('sha256', Buffer.from(signingInput, 'ascii'), {
    key: privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${signingInput}.${signature.toString('base64url')}`;
}
