import {
  hashV1,
  hashV2,
  holdsPersonalData,
  personalDigest,
  type SealedFields,
  splitDetails,
} from './audit-hash';

describe('audit seals', () => {
  const row: SealedFields = {
    seq: '7',
    occurredAt: new Date('2026-12-01T10:00:00.000Z'),
    type: 'sign_in.failed',
    userId: '5d0c3f0e-1111-4222-8333-944444444444',
    clientId: null,
    ip: '198.51.100.7',
    userAgent: 'Firefox',
    details: { email: 'ada@example.com', locked: true },
    prevHash: 'a'.repeat(64),
  };
  const erased: SealedFields = { ...row, ip: null, userAgent: null, details: { locked: true } };

  it('v2 seals the personal fields through their digest: erasing them keeps the hash', () => {
    const digest = personalDigest(row, 'nonce-1');
    expect(hashV2(erased, digest)).toBe(hashV2(row, digest));
    expect(holdsPersonalData(row)).toBe(true);
    expect(holdsPersonalData(erased)).toBe(false);
  });

  it('v2 still covers everything else; the digest depends on its nonce and on every personal field', () => {
    const digest = personalDigest(row, 'nonce-1');
    expect(hashV2({ ...row, type: 'sign_in.succeeded' }, digest)).not.toBe(hashV2(row, digest));
    expect(hashV2({ ...row, details: { locked: false, email: 'ada@example.com' } }, digest)).not.toBe(
      hashV2(row, digest),
    );
    expect(personalDigest(row, 'nonce-2')).not.toBe(digest);
    expect(personalDigest({ ...row, ip: '198.51.100.8' }, 'nonce-1')).not.toBe(digest);
    expect(
      personalDigest({ ...row, details: { ...row.details, email: 'eve@example.com' } }, 'nonce-1'),
    ).not.toBe(digest);
  });

  it('v1 is unchanged: it hashes the personal fields themselves', () => {
    expect(hashV1(erased)).not.toBe(hashV1(row));
    expect(splitDetails(row.details)).toEqual({
      plain: { locked: true },
      personal: { email: 'ada@example.com' },
    });
  });
});
