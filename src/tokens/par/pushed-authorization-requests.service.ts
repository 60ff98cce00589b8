import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';

import { deleteBatch } from '../../database/batch-delete';
import { randomToken, SecretHasher } from '../../platform/crypto/crypto.service';
import { PushedAuthorizationRequest } from './pushed-authorization-request.entity';

/** RFC 9126 §2.2: the URN prefix of every request_uri we hand out. */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** RFC 9126 §2.2: short-lived; the example uses 60 seconds. */
export const PAR_TTL_SECONDS = 60;

/**
 * Once the user's browser has presented the request_uri, signing in and consenting may take longer than
 * the push's lifetime; the request stays usable this long after its first presentation.
 */
const INTERACTIVE_TTL_SECONDS = 600;

export type PushedRequestProblem = 'unknown' | 'expired' | 'wrong_client' | 'used';

/** Pushed authorization requests (RFC 9126): stored, looked up by request_uri, used once. */
@Injectable()
export class PushedAuthorizationRequestsService {
  constructor(
    @InjectRepository(PushedAuthorizationRequest)
    private readonly requests: Repository<PushedAuthorizationRequest>,
    private readonly hasher: SecretHasher,
  ) {}

  async push(
    clientId: string,
    params: Record<string, string>,
  ): Promise<{ requestUri: string; expiresIn: number }> {
    const token = randomToken();
    await this.requests.insert({
      requestUriHash: this.hasher.hash(token),
      clientId,
      params,
      expiresAt: new Date(Date.now() + PAR_TTL_SECONDS * 1000),
    });
    return { requestUri: REQUEST_URI_PREFIX + token, expiresIn: PAR_TTL_SECONDS };
  }

  /**
   * RFC 9126 §4: the request behind `requestUri`, for the client that pushed it, unused and unexpired.
   * The first presentation starts the interactive lifetime; nothing is consumed until the decision.
   */
  async resolve(
    requestUri: string,
    clientId: string | undefined,
  ): Promise<{ params: Record<string, string>; startedAt: Date } | PushedRequestProblem> {
    const row = await this.find(requestUri);
    if (!row) return 'unknown';
    if (row.clientId !== clientId) return 'wrong_client';
    if (row.consumedAt) return 'used';
    if (row.expiresAt.getTime() <= Date.now()) return 'expired';
    let startedAt = row.startedAt;
    if (!startedAt) {
      startedAt = new Date();
      await this.requests.update(
        { requestUriHash: row.requestUriHash, startedAt: IsNull() },
        { startedAt, expiresAt: new Date(Date.now() + INTERACTIVE_TTL_SECONDS * 1000) },
      );
    }
    return { params: row.params, startedAt };
  }

  /** RFC 9126 §4: one-time use. True for exactly one caller, however many race. */
  async consume(requestUri: string): Promise<boolean> {
    const token = this.tokenOf(requestUri);
    if (!token) return false;
    const result = await this.requests
      .createQueryBuilder()
      .update()
      .set({ consumedAt: () => 'now()' })
      .where('request_uri_hash = :hash AND consumed_at IS NULL AND expires_at > now()', {
        hash: this.hasher.hash(token),
      })
      .execute();
    return result.affected === 1;
  }

  /**
   * One bounded batch of requests expired over an hour ago (kept that long so a late browser still gets
   * "expired", not "unknown"); the janitor repeats it. Returns the rows deleted.
   */
  purgeExpired(batch = 1000): Promise<number> {
    return deleteBatch(this.requests, `"expires_at" < now() - interval '1 hour'`, [], batch);
  }

  private async find(requestUri: string): Promise<PushedAuthorizationRequest | null> {
    const token = this.tokenOf(requestUri);
    return token ? this.requests.findOneBy({ requestUriHash: this.hasher.hash(token) }) : null;
  }

  private tokenOf(requestUri: string): string | null {
    if (!requestUri.startsWith(REQUEST_URI_PREFIX) || requestUri.length > 200) return null;
    return requestUri.slice(REQUEST_URI_PREFIX.length);
  }
}
