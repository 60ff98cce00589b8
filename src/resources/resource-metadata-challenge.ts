import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { APP_CONFIG, type AppConfig } from '../config/app-config';

/**
 * RFC 9728 §5.1: the product API's Bearer challenges (401, and 403 insufficient_scope) name its
 * protected-resource metadata, so a client that knows only the API — an MCP agent — can discover the
 * authorization server from the refusal itself. Appended as the response leaves, so every challenge gets
 * it whoever raised it; registered only when RESOURCE_METADATA_CHALLENGE is on.
 */
@Injectable()
export class ResourceMetadataChallenge implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    if (!this.config.agents.resourceMetadataChallenge) return;
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    // RFC 9728 §3.1: the metadata of the resource ISSUER/v1, at the path-suffixed well-known URI.
    const parameter = `resource_metadata="${this.config.issuer}/.well-known/oauth-protected-resource/v1"`;
    fastify.addHook('onSend', (_request: FastifyRequest, reply: FastifyReply, payload: unknown, done) => {
      if (reply.statusCode === 401 || reply.statusCode === 403) {
        const challenge = reply.getHeader('www-authenticate');
        if (
          typeof challenge === 'string' &&
          /^Bearer( |$)/.test(challenge) &&
          !challenge.includes('resource_metadata=')
        ) {
          reply.header('www-authenticate', `${challenge}, ${parameter}`);
        }
      }
      done(null, payload);
    });
  }
}
