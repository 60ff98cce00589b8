import { QueryFailedError } from 'typeorm';

import { isDatabaseUnavailable } from './database-unavailable';
import { toApiError } from './error.filter';

function pgError(code: string, message = 'boom'): Error {
  return Object.assign(new Error(message), { code });
}

describe('isDatabaseUnavailable', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001', '53300', '57014'])(
    'treats %s as an outage',
    (code) => {
      expect(isDatabaseUnavailable(pgError(code))).toBe(true);
    },
  );

  it('sees through TypeORM QueryFailedError and AggregateError (multi-address connect)', () => {
    const wrapped = new QueryFailedError('SELECT 1', [], pgError('57P01'));
    expect(isDatabaseUnavailable(wrapped)).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([pgError('ECONNREFUSED')]))).toBe(true);
  });

  it('recognises pg-pool timeouts and terminated connections by message', () => {
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('leaves query errors alone', () => {
    expect(isDatabaseUnavailable(pgError('23505'))).toBe(false);
    expect(isDatabaseUnavailable(pgError('22021'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('something else'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});

describe('toApiError with an unreachable database', () => {
  it('answers 503 temporarily_unavailable with Retry-After, not a 500', () => {
    const { error, unexpected } = toApiError(pgError('ECONNREFUSED'));
    expect(unexpected).toBe(false);
    expect(error.status).toBe(503);
    expect(error.code).toBe('temporarily_unavailable');
    expect(error.headers['Retry-After']).toBe('5');
  });
});
