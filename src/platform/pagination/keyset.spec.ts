import * as fc from 'fast-check';

import { decodePageCursor, encodePageCursor } from './keyset';

const encodeCursor = (c: { createdAt: string; id: string }) => encodePageCursor(c.createdAt, c.id);
const decodeCursor = decodePageCursor;

const cursor = { createdAt: '2025-01-02T03:04:05.123456Z', id: '0b6f1c1e-4a59-4c0e-9a4f-2f1d7f0c9e11' };

describe('keyset page cursor', () => {
  it('round-trips and is opaque base64url', () => {
    const encoded = encodeCursor(cursor);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(encoded)).toEqual(cursor);
  });

  it('round-trips any valid position', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: 0, max: 999 }),
        fc.uuid(),
        (date, micros, id) => {
          const createdAt = date.toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);
          return (
            JSON.stringify(decodeCursor(encodeCursor({ createdAt, id }))) ===
            JSON.stringify({ createdAt, id })
          );
        },
      ),
    );
  });

  it('rejects anything else without throwing', () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of [
      '',
      '!!!',
      'a'.repeat(201),
      Buffer.from('not json').toString('base64url'),
      b64({ createdAt: cursor.createdAt, id: cursor.id }),
      b64([cursor.createdAt]),
      b64([cursor.createdAt, 'not-a-uuid']),
      b64(['2025-01-02T03:04:05.123Z', cursor.id]),
      b64(['2025-02-30T00:00:00.000000Z', cursor.id]),
      b64(['2025-13-01T00:00:00.000000Z', cursor.id]),
      b64([1, 2]),
    ]) {
      expect(decodeCursor(bad)).toBeNull();
    }
  });
});
