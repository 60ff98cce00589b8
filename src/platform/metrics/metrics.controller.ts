import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Public } from '../auth/decorators';
import { ApiError } from '../errors/api-error';
import { bearerMatches, renderLocal } from './metrics-listener';

/**
 * `GET /metrics` on the main port, only when METRICS_TOKEN is set and METRICS_PORT is not: a scrape
 * must present `Authorization: Bearer <METRICS_TOKEN>`. Otherwise the route answers 404 like any
 * unknown path, so the public port does not even reveal that metrics exist.
 */
@ApiExcludeController()
@Controller('metrics')
@Public() // The scrape token is this route's own credential, checked below (not a user or client).
export class MetricsController {
  private readonly token?: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { port, token } = config.operations.metrics;
    this.token = port === undefined ? token : undefined;
  }

  @Get()
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (this.token === undefined) throw new ApiError(404, 'not_found', 'no such route');
    if (!bearerMatches(authorization, this.token)) {
      throw new ApiError(401, 'unauthorized', 'a valid metrics token is required', {
        'WWW-Authenticate': 'Bearer',
      });
    }
    const { contentType, body } = await renderLocal();
    reply.header('Cache-Control', 'no-store').type(contentType);
    return body;
  }
}
