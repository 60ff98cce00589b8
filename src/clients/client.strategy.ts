import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy as CustomStrategy } from 'passport-custom';

import { runStrategy } from '../platform/auth/run-strategy';
import { InvalidClient, InvalidRequest } from '../platform/errors/oauth-errors';
import { basicCredentials } from '../platform/http/basic-credentials';
import { ClientsService, type ClientView } from './clients.service';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface AuthenticatedClient {
  client: ClientView;
  method: ClientAuthMethod;
}

/** What the endpoint hands the strategy: the request's single-valued OAuth parameters, already parsed. */
interface ClientStrategyOptions {
  params: Record<string, string>;
}

/**
 * OAuth client authentication (RFC 6749 §2.3) at the token, introspection and revocation endpoints:
 * client_secret_basic, client_secret_post, or none (public clients, which must then use PKCE).
 *
 * These endpoints run it themselves rather than through the global guard: their errors are RFC 6749 §5.2
 * (`invalid_client`, 401 with a Basic challenge), the parameters are checked before the client is
 * (`unsupported_grant_type` first), and failures count in the client rate limiter.
 */
@Injectable()
export class ClientStrategy extends PassportStrategy(CustomStrategy, 'oauth2-client') {
  constructor(private readonly clients: ClientsService) {
    super({ passOptionsToCallback: true });
  }

  /** Authenticates the client of one request; any failure is `invalid_client` (or `invalid_request`). */
  async authenticateClient(
    request: FastifyRequest,
    params: Record<string, string>,
  ): Promise<AuthenticatedClient> {
    const options: ClientStrategyOptions = { params };
    const authenticated = await runStrategy<AuthenticatedClient>(this, request, options);
    if (!authenticated) throw new InvalidClient();
    return authenticated;
  }

  async validate(request: FastifyRequest, { params }: ClientStrategyOptions): Promise<AuthenticatedClient> {
    const basic = basicCredentials(request);
    if (basic === null) throw new InvalidClient('malformed Basic credentials');
    const bodyId = params.client_id;
    const bodySecret = params.client_secret;

    if (basic) {
      // RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request.
      if (bodySecret !== undefined) throw new InvalidRequest('use one client authentication method, not two');
      if (bodyId !== undefined && bodyId !== basic.id) {
        throw new InvalidClient('client_id does not match the credentials');
      }
      return { client: await this.withSecret(basic.id, basic.secret), method: 'client_secret_basic' };
    }
    if (bodyId === undefined) throw new InvalidClient('client authentication required');
    if (bodySecret !== undefined) {
      return { client: await this.withSecret(bodyId, bodySecret), method: 'client_secret_post' };
    }
    const client = await this.clients.findActive(bodyId);
    // Confidential clients must prove their identity; only public clients may use "none".
    if (!client || client.type !== 'public') throw new InvalidClient();
    return { client, method: 'none' };
  }

  private async withSecret(clientId: string, secret: string): Promise<ClientView> {
    const [client, ok] = await Promise.all([
      this.clients.findActive(clientId),
      this.clients.verifySecret(clientId, secret),
    ]);
    if (!client || !ok || client.type !== 'confidential') throw new InvalidClient();
    return client;
  }
}
