import { bearerToken } from '../jwt/jwt.strategy';
import { parseRevocationMessage } from './revocation.service';

describe('revocation change-feed messages', () => {
  it('accepts well-formed jti and grant messages', () => {
    expect(parseRevocationMessage('{"type":"jti","id":"abc_-123","exp":1700000000}')).toEqual({
      type: 'jti',
      id: 'abc_-123',
      exp: 1700000000,
    });
    const grant = '{"type":"grant","id":"6F9619FF-8B86-D011-B42D-00C04FC964FF","exp":1}';
    expect(parseRevocationMessage(grant)).toEqual({
      type: 'grant',
      id: '6f9619ff-8b86-d011-b42d-00c04fc964ff',
      exp: 1,
    });
  });

  it.each([
    'not json',
    'null',
    '[]',
    '{"type":"jti","id":"x"}',
    '{"type":"jti","id":"has space","exp":1}',
    '{"type":"grant","id":"not-a-uuid","exp":1}',
    '{"type":"user","id":"x","exp":1}',
    '{"type":"jti","id":"x","exp":"1"}',
  ])('ignores %s', (raw) => {
    expect(parseRevocationMessage(raw)).toBeUndefined();
  });
});

describe('bearerToken (RFC 6750 §2.1)', () => {
  it('takes the b64token after a case-insensitive scheme and one space', () => {
    expect(bearerToken('Bearer abc.def-ghi_jkl~+/==')).toBe('abc.def-ghi_jkl~+/==');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('BEARER abc')).toBe('abc');
  });

  it.each([
    'Bearer',
    'Bearer ',
    'Bearer  abc',
    'Bearer abc def',
    'Bearer ab@c',
    'Bearer abc ',
    'Bearer\tabc',
    'Basic abc',
    'Bearer =abc',
  ])('refuses %p', (header) => {
    expect(bearerToken(header)).toBeUndefined();
  });
});
