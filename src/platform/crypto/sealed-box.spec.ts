import { randomBytes } from 'node:crypto';

import { SealedBox, SealedBoxOpenFailed } from './sealed-box';

describe('SealedBox', () => {
  const kek = randomBytes(32);

  it('opens what it sealed, and the plaintext is not in the sealed value', () => {
    const box = new SealedBox(kek, 'upstream-client-secret');
    const sealed = box.seal('s3cret-value', 'idp:corp');
    expect(sealed).toMatch(/^s1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('s3cret');
    expect(box.open(sealed, 'idp:corp')).toBe('s3cret-value');
  });

  it('refuses another context, another purpose, another key and a flipped byte', () => {
    const box = new SealedBox(kek, 'upstream-client-secret');
    const sealed = box.seal('s3cret-value', 'idp:corp');
    expect(() => box.open(sealed, 'idp:other')).toThrow(SealedBoxOpenFailed);
    expect(() => new SealedBox(kek, 'another-purpose').open(sealed, 'idp:corp')).toThrow(SealedBoxOpenFailed);
    expect(() => new SealedBox(randomBytes(32), 'upstream-client-secret').open(sealed, 'idp:corp')).toThrow(
      SealedBoxOpenFailed,
    );
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[0] ^= 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open(parts.join('.'), 'idp:corp')).toThrow(SealedBoxOpenFailed);
    expect(() => box.open('garbage', 'idp:corp')).toThrow(SealedBoxOpenFailed);
  });
});
