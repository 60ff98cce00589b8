import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { InvalidClient, InvalidRequest } from '../platform/errors/oauth-errors';
import { basicCredentials } from '../platform/http/basic-credentials';
import { ClientsService, type ClientView } from './clients.service';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface AuthenticatedClient {
  client: ClientView;
  method: ClientAuthMethod;
}

/**
 * Client authentication at the token, introspection and revocation endpoints:
 * client_secret_basic, client_secret_post, or none (public clients, which must then use PKCE).
 */
@Injectable()
export class ClientAuthenticator {
  constructor(private readonly clients: ClientsService) {}

  async authenticate(request: FastifyRequest, params: Record<string, string>): Promise<AuthenticatedClient> {
    const basic = basicCredentials(request);
    if (basic === null) throw new InvalidClient('malformed Basic credentials');
    const bodyId = params.client_id;
    const bodySecret = params.client_secret;

    if (basic) {
      // RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request.
      if (bodySecret !== undefined) throw new InvalidRequest('use one client authentication method, not two');
      if (bodyId !== undefined && bodyId !== basic.id)
        throw new InvalidClient('client_id does not match the credentials');
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
