import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThan, Repository } from 'typeorm';

import { deleteBatch } from '../database/batch-delete';
import { randomToken, SecretHasher } from '../platform/crypto/crypto.service';
import { AccountToken, type AccountTokenPurpose } from './account-token.entity';

/** A valid (unused, unexpired) link's target. */
export interface AccountTokenTarget {
  userId: string;
  email: string;
}

/**
 * One-time links sent by mail (design: ≥ 256-bit opaque, stored as a hash, single use, per-feature
 * lifetime). A new link of a purpose supersedes the user's earlier ones, so only the latest mail works.
 */
@Injectable()
export class AccountTokensService {
  constructor(
    @InjectRepository(AccountToken) private readonly tokens: Repository<AccountToken>,
    private readonly hasher: SecretHasher,
  ) {}

  /** Stores a new link and returns its token (256 random bits), the only time it exists in clear. */
  async issue(
    userId: string,
    purpose: AccountTokenPurpose,
    email: string,
    ttlSeconds: number,
  ): Promise<string> {
    await this.tokens.update({ userId, purpose, usedAt: IsNull() }, { usedAt: () => 'now()' });
    const token = randomToken();
    await this.tokens.insert({
      userId,
      purpose,
      email,
      tokenHash: this.hasher.hash(token),
      expiresAt: new Date(Date.now() + ttlSeconds * 1000),
    });
    return token;
  }

  /** The link's target when it is still valid, without using it up (to show the form it leads to). */
  async peek(purpose: AccountTokenPurpose, token: string): Promise<AccountTokenTarget | null> {
    if (!plausible(token)) return null;
    const row = await this.tokens.findOneBy({
      tokenHash: this.hasher.hash(token),
      purpose,
      usedAt: IsNull(),
      expiresAt: MoreThan(new Date()),
    });
    return row ? { userId: row.userId, email: row.email } : null;
  }

  /**
   * Uses the link up: one conditional UPDATE, so of two concurrent uses exactly one wins. Null when it
   * is unknown, used, superseded or expired (one answer for all: nothing to learn from probing).
   */
  async consume(purpose: AccountTokenPurpose, token: string): Promise<AccountTokenTarget | null> {
    if (!plausible(token)) return null;
    const rows: [{ user_id: string; email: string }[], number] = await this.tokens.query(
      `UPDATE "account_tokens" SET "used_at" = now()
        WHERE "token_hash" = $1 AND "purpose" = $2 AND "used_at" IS NULL AND "expires_at" > now()
        RETURNING "user_id", "email"`,
      [this.hasher.hash(token), purpose],
    );
    const row = rows[0]?.[0];
    return row ? { userId: row.user_id, email: row.email } : null;
  }

  /** Ends every open link of a purpose (a password set another way makes reset links pointless). */
  async revokeAll(userId: string, purpose: AccountTokenPurpose): Promise<void> {
    await this.tokens.update({ userId, purpose, usedAt: IsNull() }, { usedAt: () => 'now()' });
  }

  /** The pending email change of a user: the newest unused verification link for another address. */
  async pendingEmail(userId: string, currentEmail: string): Promise<string | null> {
    const row = await this.tokens.findOne({
      where: { userId, purpose: 'verify_email', usedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      order: { createdAt: 'DESC' },
    });
    return row && row.email.toLowerCase() !== currentEmail.toLowerCase() ? row.email : null;
  }

  /** One bounded batch of expired links (the janitor repeats it); returns the rows deleted. */
  purgeExpired(batch = 1000): Promise<number> {
    return deleteBatch(this.tokens, `"expires_at" < now()`, [], batch);
  }
}

/** Our tokens are 43 base64url characters; anything else is not worth a hash and a query. */
function plausible(token: string): boolean {
  return typeof token === 'string' && /^[A-Za-z0-9_-]{20,100}$/.test(token);
}
