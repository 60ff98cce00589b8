import { Inject, Injectable } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';

/** 32 random bytes (256 bits) as base64url: the entropy floor for every secret we mint. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
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
