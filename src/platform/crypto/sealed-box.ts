import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const FORMAT = 's1';
const IV_BYTES = 12; // NIST SP 800-38D §8.2: 96-bit IVs for GCM, random per encryption.
const TAG_BYTES = 16;

export class SealedBoxOpenFailed extends Error {
  constructor() {
    super('a sealed value did not open (another APP_SECRET, or a corrupted row)');
  }
}

/**
 * Reversible encryption for secrets the server must use itself (an upstream client secret, a short-lived
 * sign-in state): AES-256-GCM under a key derived per purpose (HKDF, RFC 5869 §3.2) from the
 * APP_SECRET-derived key-encryption key, so a value sealed for one purpose never opens for another.
 * `context` is authenticated data: a value copied onto another row or cookie does not open.
 */
export class SealedBox {
  private readonly key: Buffer;

  constructor(keyEncryptionKey: Buffer, purpose: string) {
    this.key = Buffer.from(hkdfSync('sha256', keyEncryptionKey, 'iiniit-sealed-box', purpose, 32));
  }

  /** `s1.<iv>.<tag>.<ciphertext>`, each part base64url (cookie- and URL-safe). */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, ...[iv, cipher.getAuthTag(), ciphertext].map((p) => p.toString('base64url'))].join('.');
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== FORMAT) throw new SealedBoxOpenFailed();
    const [iv, tag, ciphertext] = parts.slice(1).map((p) => Buffer.from(p, 'base64url'));
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SealedBoxOpenFailed();
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SealedBoxOpenFailed();
    }
  }
}
