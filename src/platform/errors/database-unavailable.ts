import { ApiError } from './api-error';

/**
 * The database cannot be reached right now. RFC 6749 §4.1.2.1 names this condition
 * `temporarily_unavailable`; the status is 503 with Retry-After (RFC 9110 §15.6.4, §10.2.3) so clients
 * back off and retry instead of treating the failure as a bug.
 */
export class DatabaseUnavailable extends ApiError {
  constructor(retryAfterSeconds = 5) {
    super(503, 'temporarily_unavailable', 'the service is temporarily unavailable: retry later', {
      'Retry-After': String(retryAfterSeconds),
    });
  }
}

/** Socket-level failures node and pg report while connecting or mid-query. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs meaning "the server is going or gone" (Appendix A of the PostgreSQL manual):
 * class 08 (connection exception), 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now,
 * 53300 too_many_connections. 57014 (query_canceled) is the statement_timeout firing.
 */
function unavailableSqlState(code: string): boolean {
  return code.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '57014'].includes(code);
}

/** pg and pg-pool report these without a code. */
const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
  'Cannot use a pool after calling end on the pool',
];

function codeOf(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const message = (value as { message?: unknown }).message;
  return typeof message === 'string' ? message : undefined;
}

/**
 * True when `exception` (a pg error, a TypeORM QueryFailedError wrapping one via `driverError`, or an
 * AggregateError from a multi-address connect) says the database is unreachable, not that the query was wrong.
 */
export function isDatabaseUnavailable(exception: unknown, depth = 0): boolean {
  if (!exception || typeof exception !== 'object' || depth > 4) return false;
  const code = codeOf(exception);
  if (code && (NETWORK_CODES.has(code) || unavailableSqlState(code))) return true;
  const message = messageOf(exception);
  if (message && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
  const nested: unknown[] = [];
  if ('driverError' in exception) nested.push(exception.driverError);
  if ('cause' in exception) nested.push(exception.cause);
  if (exception instanceof AggregateError) nested.push(...(exception.errors as unknown[]));
  return nested.some((inner) => isDatabaseUnavailable(inner, depth + 1));
}
