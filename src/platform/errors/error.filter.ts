import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { countAuthFailure } from '../metrics/metrics';
import { ApiError, ServerError } from './api-error';
import { DatabaseUnavailable, isDatabaseUnavailable } from './database-unavailable';

/** Fastify/Nest status codes we translate to a product error code (bad input is never a 500). */
const CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  431: 'header_fields_too_large',
};

/**
 * Found by fuzzing: PostgreSQL refuses some text the HTTP layer accepts — U+0000 in a text
 * parameter (22021) or in jsonb (22P05). That is bad input, not a server fault: 400, never 500.
 * Input validation should refuse NUL first; this keeps any path it misses from answering 500.
 */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

function unstorableText(exception: unknown): boolean {
  if (!exception || typeof exception !== 'object' || !('driverError' in exception)) return false;
  const code = (exception.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && UNSTORABLE_TEXT.has(code);
}

/** Pages render errors as HTML; everything else gets JSON. Implemented by the auth module's page errors. */
export interface RendersHtml {
  renderHtml(): string;
}

function rendersHtml(error: unknown): error is RendersHtml & ApiError {
  return error instanceof ApiError && typeof (error as Partial<RendersHtml>).renderHtml === 'function';
}

/**
 * Maps anything thrown into the public error model. Known errors keep their status; framework errors
 * (unknown route, bad JSON, oversized body) become a fitting 4xx; anything else is a 500 `server_error`
 * whose details go only to the log, tagged with the request id the client sees in `X-Request-Id`.
 */
export function toApiError(exception: unknown): { error: ApiError; unexpected: boolean } {
  if (exception instanceof ApiError) return { error: exception, unexpected: false };
  // The database being down is an outage, not a bug: 503 so clients retry and back off.
  if (isDatabaseUnavailable(exception)) return { error: new DatabaseUnavailable(), unexpected: false };
  if (unstorableText(exception)) {
    return {
      error: new ApiError(
        400,
        'invalid_request',
        'the request contains characters that are not allowed (NUL)',
      ),
      unexpected: false,
    };
  }
  let status: number | undefined;
  let message: string | undefined;
  if (exception instanceof HttpException) {
    status = exception.getStatus();
    const body = exception.getResponse();
    message = typeof body === 'string' ? body : exception.message;
  } else if (exception && typeof exception === 'object' && 'statusCode' in exception) {
    // Fastify errors (FST_ERR_CTP_*, body parser errors) carry statusCode and a safe message.
    status = Number(exception.statusCode);
    message = (exception as { message?: string }).message;
  }
  // Readiness (terminus) and anything else reporting 503 keep it: an unavailable dependency is no bug.
  if (status === 503) return { error: new DatabaseUnavailable(), unexpected: false };
  if (status !== undefined && status >= 400 && status < 500) {
    const code = CODES[status] ?? 'invalid_request';
    const description = status === 404 ? 'no such route' : (message ?? code).slice(0, 200);
    return { error: new ApiError(status, code, description), unexpected: false };
  }
  return { error: new ServerError(), unexpected: true };
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const { error, unexpected } = toApiError(exception);
    if (error.status === 401 || error.code === 'invalid_grant') countAuthFailure(error.code);
    if (unexpected) {
      this.logger.error({ err: exception, reqId: request.id }, 'unhandled error');
    }
    sendError(reply, error);
  }
}

export function sendError(reply: FastifyReply, error: ApiError): void {
  if (reply.sent) return;
  reply.status(error.status);
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  // Error bodies are never cacheable (RFC 6749 §5.2 asks it of token responses; it is right for all).
  reply.header('Cache-Control', 'no-store');
  // Authorization errors travel back to the client's redirect_uri (RFC 6749 §4.1.2.1): no body.
  if (error.status >= 300 && error.status < 400) {
    reply.send();
    return;
  }
  if (rendersHtml(error)) {
    reply.type('text/html; charset=utf-8').send(error.renderHtml());
    return;
  }
  reply.type('application/json; charset=utf-8').send(error.toJSON());
}
