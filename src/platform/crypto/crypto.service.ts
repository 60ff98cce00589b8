import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';

/**
 * Small random values are cut from a 4 KiB block of CSPRNG output instead of one `randomBytes` call each:
 * every call is a native job with its own buffer, ~5 % of a client_credentials request (a jti per token)
 * in a profile. Node's own randomUUID buffers the same way. Bytes are wiped from the block once handed
 * out, and the block is per process (lazily filled, so cluster workers never share one).
 */
const POOL_BYTES = 4096;
const POOLED_MAX = 64;
let pool = Buffer.alloc(0);
let offset = 0;

/** 32 random bytes (256 bits) as base64url: the entropy floor for every secret we mint. */
export function randomToken(bytes = 32): string {
  if (bytes > POOLED_MAX) return randomBytes(bytes).toString('base64url');
  if (offset + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const token = pool.toString('base64url', offset, offset + bytes);
  pool.fill(0, offset, offset + bytes);
  offset += bytes;
  return token;
}

/** Constant-time string comparison (length leaks, which is fine for fixed-length hashes). */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Hashing of high-entropy secrets (client secrets, codes, refresh tokens, API keys): HMAC-SHA256 keyed
 * with the server pepper. 256-bit random secrets need no slow hash, and a stolen table without the pepper
 * is useless. Lookups go by hash, so the comparison happens inside the index, never on plaintext.
 */
@Injectable()
export class SecretHasher {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  hash(secret: string): string {
    return createHmac('sha256', this.config.secrets.pepper).update(secret).digest('base64url');
  }

  matches(secret: string, expectedHash: string): boolean {
    return constantTimeEqual(this.hash(secret), expectedHash);
  }
}

/**
 * Encryption of small secrets we must read back (TOTP seeds): AES-256-GCM under a key derived (HKDF, RFC
 * 5869) from the key-encryption key, so it is independent of the signing-key encryption. Each value is
 * bound to its purpose and owner through the additional data: a ciphertext copied to another row or
 * column fails to decrypt. Stored as `v1.<iv>.<tag>.<ciphertext>`, base64url.
 */
@Injectable()
export class SecretBox {
  private readonly key: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.key = Buffer.from(hkdfSync('sha256', config.secrets.keyEncryptionKey, '', 'iiniit-secret-box', 32));
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: 16 });
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), ciphertext]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The plaintext, or null when the value was sealed for another context or under another APP_SECRET. */
  open(sealed: string, context: string): string | null {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') return null;
    const [iv, tag, ciphertext] = parts.slice(1).map((p) => Buffer.from(p, 'base64url'));
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: 16 });
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}
