import { Get, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { ClientsService } from '../clients/clients.service';
import { sendPage } from '../platform/web/html';
import { PlaygroundFlows } from '../playground/playground-flows';
import { ConsolePages } from './console-pages.decorator';
import { type ConsoleContext, ConsoleUser } from './console-user';
import { playgroundPage } from './views/playground.view';

function text(value: unknown): string | undefined {
  // Repeated parameters arrive as arrays: a redirect carries each once (RFC 6749 §3.1), so show none.
  return typeof value === 'string' && value.length > 0 && value.length <= 2048 ? value : undefined;
}

/**
 * The demo app's redirect URI: shows what the authorization response carried (RFC 6749 §4.1.2, RFC 9207
 * `iss`) and, for the signed-in developer's own app, the exact token request including the PKCE verifier
 * the start banner generated.
 */
@ConsolePages('playground')
export class ConsolePlaygroundController {
  constructor(
    private readonly flows: PlaygroundFlows,
    private readonly clients: ClientsService,
  ) {}

  @Get()
  async show(
    @ConsoleUser() ctx: ConsoleContext,
    @Query() query: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const state = text(query.state);
    const flow = this.flows.find(state);
    let exchange;
    if (flow) {
      const owned = await this.clients.listOwned(ctx.user.id);
      if (owned.some((c) => c.clientId === flow.clientId)) {
        exchange = {
          clientId: flow.clientId,
          redirectUri: flow.redirectUri,
          codeVerifier: flow.codeVerifier,
        };
      }
    }
    return sendPage(
      reply,
      playgroundPage(ctx, {
        code: text(query.code),
        state,
        iss: text(query.iss),
        error: text(query.error),
        errorDescription: text(query.error_description),
        exchange,
      }),
    );
  }
}
