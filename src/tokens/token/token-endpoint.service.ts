import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ClientStrategy } from '../../clients/client.strategy';
import {
  InvalidDpopProof,
  InvalidRequest,
  UnauthorizedClient,
  UnsupportedGrantType,
} from '../../platform/errors/oauth-errors';
import { oauthParams } from '../../platform/http/oauth-params';
import { requestMeta } from '../../platform/http/request-meta';
import { countTokenIssued } from '../../platform/metrics/metrics';
import { presentedClientId } from '../../platform/rate-limit/client-limits';
import { ClientRateLimits } from '../../platform/rate-limit/client-limits';
import { DpopService } from '../dpop/dpop.service';
import { GRANT_TYPE_HANDLERS, type GrantTypeHandler, type TokenResponse } from './grants/grant-type';

/** RFC 6749 §5.1: token responses must not be cached. */
export function noStore(reply: FastifyReply): void {
  reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
}

/**
 * The token endpoint's logic (RFC 6749 §3.2): authenticate the client, check it may use the grant,
 * dispatch to the grant's handler. Served at /oauth2/token, and at POST /oauth2/authorize when the body
 * carries grant_type (the published API doc's curl example posts the code exchange there).
 */
@Injectable()
export class TokenEndpoint {
  private readonly handlers: Map<string, GrantTypeHandler>;

  constructor(
    private readonly clientStrategy: ClientStrategy,
    @Inject(GRANT_TYPE_HANDLERS) handlers: GrantTypeHandler[],
    private readonly limits: ClientRateLimits,
    private readonly dpop: DpopService,
  ) {
    this.handlers = new Map(handlers.map((h) => [h.grantType, h]));
  }

  get grantTypes(): string[] {
    return [...this.handlers.keys()];
  }

  async handle(request: FastifyRequest, reply: FastifyReply): Promise<TokenResponse> {
    noStore(reply);
    const params = oauthParams(request.body);
    // Per-client_id limit (and per-IP after failed client authentications) before any work.
    await this.limits.admit(request, reply, params);
    const grantType = params.grant_type;
    if (!grantType) throw new InvalidRequest('grant_type is required');
    const handler = this.handlers.get(grantType);
    if (!handler) throw new UnsupportedGrantType(`unsupported grant_type: ${grantType.slice(0, 50)}`);
    const proof = this.dpop.proofOf(request, 'token');
    const meta = requestMeta(request);
    if (
      handler.handleWithoutClient &&
      handler.acceptsNoClient?.(params) &&
      !presentedClientId(request, params)
    ) {
      const dpopJkt = proof === undefined ? undefined : (await this.dpop.verify(request, proof, 'token')).jkt;
      const response = await handler.handleWithoutClient({ params, meta, dpopJkt });
      this.dpop.offerNonce(reply);
      countTokenIssued(grantType);
      return response;
    }
    const authenticated = await this.limits.authenticate(request, params, () =>
      this.clientStrategy.authenticateClient(request, params),
    );
    if (!authenticated.client.grantTypes.includes(grantType)) {
      throw new UnauthorizedClient(`this client is not allowed the ${grantType} grant`);
    }
    // RFC 9449 §5: a proof, when sent, is checked before any grant is spent.
    const dpopJkt = proof === undefined ? undefined : (await this.dpop.verify(request, proof, 'token')).jkt;
    // RFC 9449 §5.2 / RFC 7591 `dpop_bound_access_tokens`: such a client never gets a bearer token.
    if (dpopJkt === undefined && authenticated.client.dpopBoundAccessTokens) {
      throw new InvalidDpopProof('this client must send a DPoP proof');
    }
    const response = await handler.handle({ ...authenticated, params, meta, dpopJkt });
    this.dpop.offerNonce(reply);
    countTokenIssued(grantType);
    return response;
  }
}
