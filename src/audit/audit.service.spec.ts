import type { DataSource, EntityManager } from 'typeorm';

import { AuditService } from './audit.service';

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
}

describe('AuditService during a database outage', () => {
  it('keeps queued events, in order, and writes them once the database is back', async () => {
    jest.useFakeTimers();
    const inserted: unknown[][] = [];
    const manager = {
      query: jest.fn((sql: string, params: unknown[]) => {
        if (sql.startsWith('INSERT')) inserted.push(params);
        return Promise.resolve([]);
      }),
      getRepository: () => ({ find: () => Promise.resolve([]) }),
    } as unknown as EntityManager;
    let down = true;
    const dataSource = {
      transaction: (fn: (m: EntityManager) => Promise<void>) =>
        down ? Promise.reject(refused()) : fn(manager),
    } as unknown as DataSource;
    const audit = new AuditService(dataSource);

    audit.recordSoon({ type: 'token.issued', clientId: 'a' });
    audit.recordSoon({ type: 'token.issued', clientId: 'b' });
    await jest.advanceTimersByTimeAsync(25);
    expect(inserted).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(inserted).toHaveLength(0);

    down = false;
    await jest.advanceTimersByTimeAsync(2_000);
    expect(inserted).toHaveLength(1);
    // Two rows of twelve columns, in the order they were recorded (client_id is the fifth column).
    expect([inserted[0][4], inserted[0][16]]).toEqual(['a', 'b']);
    jest.useRealTimers();
  });
});
