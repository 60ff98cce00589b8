import { acceptAccessTokenHeader, MAX_TOKEN_LENGTH } from './jwt-header';

const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const token = (header: unknown): string => `${b64(header)}.${b64({ sub: 'x' })}.c2ln`;
const good = { alg: 'ES256', typ: 'at+jwt', kid: 'k1' };

describe('acceptAccessTokenHeader (RFC 9068 §4, RFC 8725)', () => {
  it('accepts ES256 with typ at+jwt or application/at+jwt in any case', () => {
    expect(acceptAccessTokenHeader(token(good))).toEqual({ kid: 'k1' });
    expect(acceptAccessTokenHeader(token({ ...good, typ: 'application/at+jwt' }))).toEqual({ kid: 'k1' });
    expect(acceptAccessTokenHeader(token({ ...good, typ: 'AT+JWT' }))).toEqual({ kid: 'k1' });
  });

  it.each(['none', 'None', 'NONE', 'HS256', 'RS256', 'es256', 'ES384', '', null, ['ES256']])(
    'refuses alg %p',
    (alg) => {
      expect(acceptAccessTokenHeader(token({ ...good, alg }))).toBeUndefined();
    },
  );

  it.each(['JWT', 'jwt', 'at+jwt2', 'application/jwt', '', undefined, 1])('refuses typ %p', (typ) => {
    expect(acceptAccessTokenHeader(token({ ...good, typ }))).toBeUndefined();
  });

  it.each(['jwk', 'jku', 'x5u', 'x5c', 'crit'])('refuses a %s header', (name) => {
    expect(acceptAccessTokenHeader(token({ ...good, [name]: 'x' }))).toBeUndefined();
  });

  it('refuses a missing, empty, non-string or overlong kid', () => {
    for (const kid of [undefined, '', 5, 'k'.repeat(65)]) {
      expect(acceptAccessTokenHeader(token({ ...good, kid }))).toBeUndefined();
    }
  });

  it('refuses anything that is not a compact JWS with a JSON object header', () => {
    for (const bad of [
      '',
      'abc',
      'a.b',
      'a.b.c.d.e',
      `${b64(good)}.${b64({})}.`,
      `${b64(good)}..c2ln`,
      `${b64(good)}.${b64({})}.c2ln=`,
      `${b64('not json')}.${b64({})}.c2ln`,
      `${b64([good])}.${b64({})}.c2ln`,
      `${b64('null')}.${b64({})}.c2ln`,
      `${b64(good)} .${b64({})}.c2ln`,
    ]) {
      expect(acceptAccessTokenHeader(bad)).toBeUndefined();
    }
  });

  it('refuses tokens over the length limit before parsing', () => {
    const big = `${b64(good)}.${'a'.repeat(MAX_TOKEN_LENGTH)}.c2ln`;
    expect(acceptAccessTokenHeader(big)).toBeUndefined();
  });
});
