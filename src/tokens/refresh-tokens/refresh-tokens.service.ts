import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { randomToken, SecretHasher } from '../../platform/crypto/crypto.service';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { claimOnce } from '../../database/claim-once';
import { RefreshToken } from './refresh-token.entity';
import { storedAuthContext, type AuthContext } from '../oidc/auth-context';

/** Prefix makes leaked refresh tokens recognisable to secret scanners. */
const PREFIX = 'iirt_';

@Injectable()
export class RefreshTokensService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(RefreshToken) private readonly tokens: Repository<RefreshToken>,
    private readonly hasher: SecretHasher,
  ) {}

  async issue({
    auth,
    ...input
  }: {
    grantId: string;
    clientId: string;
    userId: string;
    scopes: string[];
    /** The original sign-in, carried through every rotation for refreshed id_tokens (OIDC Core §12.2). */
    auth?: AuthContext;
  }): Promise<string> {
    const token = PREFIX + randomToken();
    await this.tokens.insert({
      ...input,
      ...storedAuthContext(auth),
      tokenHash: this.hasher.hash(token),
      expiresAt: new Date(Date.now() + this.config.refreshTokenTtl * 1000),
    });
    return token;
  }

  async find(token: string): Promise<RefreshToken | null> {
    if (!token.startsWith(PREFIX) || token.length > 200) return null;
    return this.tokens.findOneBy({ tokenHash: this.hasher.hash(token) });
  }

  /** One conditional UPDATE: exactly one of any concurrent rotations of the same token wins. */
  async markRotated(token: RefreshToken): Promise<boolean> {
    return claimOnce(this.tokens, 'rotatedAt', { id: token.id });
  }
}
