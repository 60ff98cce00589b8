import type { Socket } from 'node:net';

const ERRORS: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'header_fields_too_large',
    'the request headers are larger than 16 KiB',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'Request Timeout',
    'request_timeout',
    'the request took too long to arrive',
  ],
};

/**
 * Fastify's `clientErrorHandler`: errors Node's HTTP parser raises before there is a request (headers
 * over `maxHeaderSize`, a malformed request line, a request that never finishes) answered in the
 * product's error shape instead of Fastify's `{ error, message, statusCode }`. Then the socket closes.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, code, description] = ERRORS[error.code ?? ''] ?? [
    400,
    'Bad Request',
    'invalid_request',
    'the request is not valid HTTP',
  ];
  const body = JSON.stringify({ error: code, error_description: description });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
