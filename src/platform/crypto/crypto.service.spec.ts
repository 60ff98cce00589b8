import { randomToken } from './crypto.service';

describe('randomToken', () => {
  it('gives base64url of the requested length (32 bytes → 43 chars, 16 → 22)', () => {
    expect(randomToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(randomToken(100)).toMatch(/^[A-Za-z0-9_-]{134}$/);
  });

  it('never repeats across many refills of the pool, and is not biased towards zero bytes', () => {
    const seen = new Set<string>();
    let zeros = 0;
    let total = 0;
    // 20 000 × 16 bytes = ~78 refills of the 4 KiB block, with values straddling block ends (16 ∤ 4096 - k).
    for (let i = 0; i < 20_000; i++) {
      const token = randomToken(i % 3 === 0 ? 16 : 24);
      seen.add(token);
      for (const byte of Buffer.from(token, 'base64url')) {
        total++;
        if (byte === 0) zeros++;
      }
    }
    expect(seen.size).toBe(20_000);
    // A wiped (zeroed) region handed out twice would show up as an excess of zero bytes (expected 1/256).
    expect(zeros / total).toBeLessThan(2 / 256);
  });
});
