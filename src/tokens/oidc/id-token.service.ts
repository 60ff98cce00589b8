import { createHash, type KeyObject, sign, verify } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { CLOCK, type Clock } from '../jwt/clock';
import { encodeJwsPart, signCompactEs256 } from '../jwt/jws';
import { MAX_TOKEN_LENGTH } from '../jwt/jwt-header';
import { isSigningAlg, type SigningAlg } from '../keys/key-crypto';
import { SigningKeysService } from '../keys/signing-keys.service';
import type { AuthContext } from './auth-context';

export interface IdTokenRequest {
  /** The user's stable id (OIDC Core §2 `sub`, subject type `public`). */
  subject: string;
  clientId: string;
  alg: SigningAlg;
  /** The access token issued in the same response: its hash becomes `at_hash` (OIDC Core §3.1.3.6). */
  accessToken: string;
  nonce?: string;
  auth?: AuthContext;
}

/** OIDC Core §2 ID Token claims, in the order we mint them. */
interface IdTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  auth_time?: number;
  nonce?: string;
  azp: string;
  at_hash: string;
  sid?: string;
  amr?: string[];
  acr?: string;
}

/** An id_token we issued, as read back from an `id_token_hint` (signature and issuer checked). */
export interface IdTokenHint {
  sub: string;
  /** The client it was issued to (`aud`, a single value in our id_tokens). */
  clientId: string;
  sid?: string;
}

/**
 * OIDC Core §3.1.3.6: at_hash is the base64url of the left-most half of the hash of the ASCII access
 * token, with the hash of the id_token's `alg` — SHA-256 for both ES256 and RS256.
 */
export function accessTokenHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/**
 * ID Tokens (OpenID Connect Core 1.0 §2): a JWS signed with the same rotating keys as the access tokens —
 * ES256 by default, RS256 for a client that registered `id_token_signed_response_alg: RS256` (the RSA keys
 * are created the first time one is needed). Signed with node:crypto like the access tokens. An id_token
 * names the user and the sign-in for the client; it never carries an access or refresh token, only the
 * access token's hash.
 */
@Injectable()
export class IdTokenService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly keys: SigningKeysService,
  ) {}

  async issue(request: IdTokenRequest): Promise<string> {
    const key = await this.signingKey(request.alg);
    const iat = seconds(this.clock.now());
    const auth = request.auth;
    const claims: IdTokenClaims = {
      iss: this.config.issuer,
      sub: request.subject,
      // §2: aud contains the client_id; one audience, so azp equals it (allowed, and explicit for RPs).
      aud: request.clientId,
      // Design: an id_token lives as long as the access token issued with it.
      exp: iat + this.config.accessTokenTtl,
      iat,
      ...(auth ? { auth_time: seconds(auth.authTime) } : {}),
      // §3.1.2.1: the nonce is echoed exactly as the authorization request sent it.
      ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
      azp: request.clientId,
      at_hash: accessTokenHash(request.accessToken),
      ...(auth ? { sid: auth.sid, amr: [...auth.amr], acr: auth.acr } : {}),
    };
    // RFC 7515 §4.1.9: typ "JWT" (RFC 7519 §5.1); OIDC defines no media type of its own for id_tokens.
    const header = encodeJwsPart({ alg: request.alg, typ: 'JWT', kid: key.kid });
    if (request.alg === 'RS256') {
      const input = `${header}.${encodeJwsPart(claims)}`;
      // RFC 7518 §3.3: RSASSA-PKCS1-v1_5 with SHA-256 (node's default padding for RSA keys).
      const signature = sign('sha256', Buffer.from(input, 'ascii'), key.privateKey);
      return `${input}.${signature.toString('base64url')}`;
    }
    return signCompactEs256(header, claims, key.privateKey);
  }

  /**
   * Reads an id_token_hint (RP-Initiated Logout 1.0 §2, OIDC Core §3.1.2.1): our signature (a key still
   * in the JWKS) and our issuer. Expiry is not checked: §2 says the OP should accept an expired id_token
   * as a hint — it names a past sign-in, it grants nothing. Undefined for anything else.
   */
  readHint(token: string): IdTokenHint | undefined {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const header = parseJson(parts[0]);
    const payload = parseJson(parts[1]);
    if (!header || !payload) return undefined;
    const { alg, kid } = header;
    if (!isSigningAlg(alg) || typeof kid !== 'string') return undefined;
    const key = this.keys.verificationKey(kid, alg);
    if (!key || !verifySignature(alg, `${parts[0]}.${parts[1]}`, parts[2], key.publicKey)) return undefined;
    const { iss, sub, aud, sid } = payload;
    if (iss !== this.config.issuer || typeof sub !== 'string' || typeof aud !== 'string') return undefined;
    // Access tokens share our keys; their aud is the API, never a client — and they carry client_id.
    if (payload.client_id !== undefined || typeof payload.at_hash !== 'string') return undefined;
    return { sub, clientId: aud, ...(typeof sid === 'string' ? { sid } : {}) };
  }

  /** The active key for `alg`; the RSA lifecycle starts on first use (another instance may have started it). */
  private async signingKey(alg: SigningAlg): Promise<{ kid: string; privateKey: KeyObject }> {
    if (!this.keys.hasSigningKey(alg)) {
      await this.keys.refresh();
      if (!this.keys.hasSigningKey(alg)) await this.keys.ensureAlgorithm(alg);
    }
    return this.keys.signingKey(alg);
  }
}

function parseJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function verifySignature(alg: SigningAlg, input: string, signature: string, key: KeyObject): boolean {
  try {
    const bytes = Buffer.from(signature, 'base64url');
    const data = Buffer.from(input, 'ascii');
    return alg === 'RS256'
      ? verify('sha256', data, key, bytes)
      : verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, bytes);
  } catch {
    return false;
  }
}
