import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { randomToken, SecretHasher } from '../../platform/crypto/crypto.service';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { claimOnce } from '../../database/claim-once';
import { RefreshToken } from './refresh-token.entity';
import { deleteBatch } from '../../database/batch-delete';

/** Prefix makes leaked refresh tokens recognisable to secret scanners. */
const PREFIX = 'iirt_';

@Injectable()
export class RefreshTokensService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(RefreshToken) private readonly tokens: Repository<RefreshToken>,
    private readonly hasher: SecretHasher,
  ) {}

  async issue(input: {
    grantId: string;
    clientId: string;
    userId: string;
    scopes: string[];
  }): Promise<string> {
    const token = PREFIX + randomToken();
    await this.tokens.insert({
      ...input,
      tokenHash: this.hasher.hash(token),
      expiresAt: new Date(Date.now() + this.config.refreshTokenTtl * 1000),
    });
    return token;
  }

  async find(token: string): Promise<RefreshToken | null> {
    if (!token.startsWith(PREFIX) || token.length > 200) return null;
    return this.tokens.findOneBy({ tokenHash: this.hasher.hash(token) });
  }

  /**
   * One bounded batch of refresh tokens rotated or expired more than `retentionSeconds` ago (the
   * janitor repeats it); returns the rows deleted. Until then a rotated token stays, so presenting it
   * again is still recognised as reuse (RFC 9700 §4.14.2) and revokes its authorization.
   */
  async purgeExpired(batch = 1000, retentionSeconds = 7 * 86400): Promise<number> {
    return deleteBatch(
      this.tokens,
      `"rotated_at" < now() - $1 * interval '1 second' OR "expires_at" < now() - $1 * interval '1 second'`,
      [retentionSeconds],
      batch,
    );
  }

  /** One conditional UPDATE: exactly one of any concurrent rotations of the same token wins. */
  async markRotated(token: RefreshToken): Promise<boolean> {
    return claimOnce(this.tokens, 'rotatedAt', { id: token.id });
  }
}
