import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { deleteBatch } from '../../database/batch-delete';
import { queryPrepared } from '../../database/prepared';
import { randomToken, SecretHasher } from '../../platform/crypto/crypto.service';
import { type AuthContext, storedAuthContext } from '../oidc/auth-context';
import { REDEEM_CODE } from '../refresh-tokens/refresh-token-statements';
import {
  findByHashWithGrant,
  type MintedRefreshToken,
  type WithGrantActive,
} from '../refresh-tokens/refresh-tokens.service';
import { AuthorizationCode } from './authorization-code.entity';

interface NewCode {
  clientId: string;
  userId: string;
  grantId: string;
  redirectUri: string;
  redirectUriSent: boolean;
  scopes: string[];
  /** RFC 8707 resources requested at authorization (empty: the product API). */
  resources?: string[];
  codeChallenge: string | null;
  /** OIDC Core §3.1.2.1 nonce, echoed in the id_token. */
  nonce?: string;
  /** The session's authentication, stated in the id_token issued for this code. */
  auth?: AuthContext;
}

@Injectable()
export class AuthorizationCodesService {
  private readonly findByHash: (hash: string) => Promise<WithGrantActive<AuthorizationCode> | null>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(AuthorizationCode) private readonly codes: Repository<AuthorizationCode>,
    private readonly hasher: SecretHasher,
  ) {
    this.findByHash = findByHashWithGrant(codes, 'authorization_codes.find', 'code_hash');
  }

  /** 256 random bits, stored only as a hash, valid AUTHORIZATION_CODE_TTL seconds (default 60). */
  async issue({ nonce, auth, ...input }: NewCode): Promise<string> {
    const code = randomToken();
    await this.codes.insert({
      ...input,
      nonce: nonce ?? null,
      ...storedAuthContext(auth),
      codeHash: this.hasher.hash(code),
      expiresAt: new Date(Date.now() + this.config.authorizationCodeTtl * 1000),
    });
    return code;
  }

  /**
   * Reads without consuming, so a code presented by the wrong client is not burnt by it; with whether its
   * authorization is still active, in the same statement.
   */
  async find(code: string): Promise<WithGrantActive<AuthorizationCode> | null> {
    if (code.length > 200) return null;
    return this.findByHash(this.hasher.hash(code));
  }

  /**
   * Marks the code used and stores the refresh token issued with it in one statement (REDEEM_CODE): of any
   * number of concurrent redemptions exactly one sees a row come back; every other one is a replay. A
   * crash can never leave the code spent and its refresh token missing.
   */
  async redeem(code: AuthorizationCode, refresh: MintedRefreshToken | null): Promise<boolean> {
    const rows = await queryPrepared(this.codes.manager.connection, REDEEM_CODE, [
      code.codeHash,
      refresh?.hash ?? null,
      refresh?.expiresAt ?? new Date(),
      refresh?.dpopJkt ?? null,
    ]);
    return rows.length === 1;
  }

  /** One bounded batch (the janitor repeats it); returns the rows deleted. */
  async purgeExpired(batch = 1000): Promise<number> {
    // Keep used codes a while past expiry so a late replay is still recognised and revokes the grant.
    return deleteBatch(this.codes, `"expires_at" < now() - interval '1 hour'`, [], batch);
  }
}
