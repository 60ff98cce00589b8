import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';

import { ConfigError } from '../../config/app-config';
import { JWT_ALGORITHM } from '../jwt/jwt.constants';

/** The algorithms our keys sign with: ES256 for everything, RS256 for id_tokens of clients that ask for it. */
export type SigningAlg = typeof JWT_ALGORITHM | 'RS256';
export const SIGNING_ALGS: readonly SigningAlg[] = [JWT_ALGORITHM, 'RS256'];

export function isSigningAlg(value: unknown): value is SigningAlg {
  return typeof value === 'string' && (SIGNING_ALGS as readonly string[]).includes(value);
}

/** The public members of an EC P-256 key as published in the JWKS (RFC 7518 §6.2.1) — never `d`. */
export interface EcPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: typeof JWT_ALGORITHM;
  use: 'sig';
}

/** The public members of an RSA key (RFC 7518 §6.3.1) — never `d`, `p`, `q`, `dp`, `dq`, `qi`. */
export interface RsaPublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
}

export type PublicJwk = EcPublicJwk | RsaPublicJwk;

/** RSA modulus for RS256 keys: 2048 bits (RFC 7518 §3.3 minimum, NIST SP 800-57 through 2030). */
const RSA_MODULUS_BITS = 2048;

interface GeneratedKey<J extends PublicJwk = PublicJwk> {
  kid: string;
  publicJwk: J;
  publicKey: KeyObject;
  privateKey: KeyObject;
  /** PKCS#8 PEM of the private key: what gets encrypted at rest. */
  privatePem: string;
}

/** Raised when a stored private key cannot be decrypted: the operator changed APP_SECRET. */
export class SigningKeyDecryptionError extends ConfigError {
  constructor() {
    // main.ts prints a ConfigError as one line: "config: APP_SECRET does not match ...".
    super('APP_SECRET', 'does not match the one the signing keys were encrypted with');
  }
}

interface EcJwk {
  kty: string;
  crv: string;
  x: string;
  y: string;
}

interface RsaJwk {
  kty: string;
  n: string;
  e: string;
}

function requiredJwk(key: KeyObject): EcJwk | RsaJwk {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.x && jwk.y) {
    return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
  }
  if (jwk.kty === 'RSA' && jwk.n && jwk.e) return { kty: jwk.kty, n: jwk.n, e: jwk.e };
  throw new Error('signing keys must be EC P-256 or RSA');
}

/**
 * RFC 7638 §3: the thumbprint is SHA-256 over the required members only, in lexicographic order, with
 * no whitespace — for EC that is exactly {"crv","kty","x","y"}, for RSA {"e","kty","n"} (§3.2). Used as
 * `kid`, so a kid names one key forever and two instances generating keys can never collide.
 */
export function jwkThumbprint(jwk: EcJwk | RsaJwk): string {
  const canonical =
    'n' in jwk
      ? JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })
      : JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

export function publicJwkOf(publicKey: KeyObject): PublicJwk {
  const jwk = requiredJwk(publicKey);
  if ('n' in jwk) {
    return { kty: 'RSA', n: jwk.n, e: jwk.e, kid: jwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
  }
  return {
    kty: 'EC',
    crv: 'P-256',
    x: jwk.x,
    y: jwk.y,
    kid: jwkThumbprint(jwk),
    alg: JWT_ALGORITHM,
    use: 'sig',
  };
}

export function generateSigningKey(alg?: typeof JWT_ALGORITHM): GeneratedKey<EcPublicJwk>;
export function generateSigningKey(alg: 'RS256'): GeneratedKey<RsaPublicJwk>;
export function generateSigningKey(alg: SigningAlg): GeneratedKey;
export function generateSigningKey(alg: SigningAlg = JWT_ALGORITHM): GeneratedKey {
  // RFC 7518 §3.4: ES256 is ECDSA over P-256 with SHA-256; §3.3: RS256 is RSASSA-PKCS1-v1_5 with SHA-256.
  const { publicKey, privateKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: RSA_MODULUS_BITS })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicJwk = publicJwkOf(publicKey);
  return {
    kid: publicJwk.kid,
    publicJwk,
    publicKey,
    privateKey,
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

const FORMAT = 'v1';
const IV_BYTES = 12; // NIST SP 800-38D §8.2: 96-bit IVs for GCM, random per encryption.
const TAG_BYTES = 16;

/** The kid is authenticated data: a ciphertext copied onto another row does not decrypt. */
function aad(kid: string): Buffer {
  return Buffer.from(`iiniit-signing-key:${kid}`);
}

/** AES-256-GCM; stored as `v1.<iv>.<tag>.<ciphertext>`, each part base64url. */
export function encryptPrivateKey(privatePem: string, keyEncryptionKey: Buffer, kid: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyEncryptionKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(kid));
  const ciphertext = Buffer.concat([cipher.update(privatePem, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [FORMAT, ...[iv, tag, ciphertext].map((part) => part.toString('base64url'))].join('.');
}

/**
 * Inverse of encryptPrivateKey. Any failure — another APP_SECRET, a corrupted or swapped row — is the same
 * SigningKeyDecryptionError: GCM authentication cannot tell them apart, and the fix is the operator's.
 */
export function decryptPrivateKey(stored: string, keyEncryptionKey: Buffer, kid: string): KeyObject {
  const parts = stored.split('.');
  if (parts.length !== 4 || parts[0] !== FORMAT) throw new SigningKeyDecryptionError();
  const [iv, tag, ciphertext] = parts.slice(1).map((p) => Buffer.from(p, 'base64url'));
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SigningKeyDecryptionError();
  let privateKey: KeyObject;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyEncryptionKey, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(kid));
    decipher.setAuthTag(tag);
    const pem = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    privateKey = createPrivateKey(pem);
  } catch {
    throw new SigningKeyDecryptionError();
  }
  // The private half must belong to the published public half, or we would sign with a key nobody can verify.
  if (jwkThumbprint(requiredJwk(createPublicKey(privateKey))) !== kid) throw new SigningKeyDecryptionError();
  return privateKey;
}
