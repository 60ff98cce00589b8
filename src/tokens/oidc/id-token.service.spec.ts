import { createLocalJWKSet, jwtVerify } from 'jose';

import type { AppConfig } from '../../config/app-config';
import { ManualClock } from '../jwt/clock';
import type { SigningAlg } from '../keys/key-crypto';
import { generateSigningKey } from '../keys/key-crypto';
import type { SigningKeysService } from '../keys/signing-keys.service';
import { accessTokenHash, IdTokenService } from './id-token.service';

const ISSUER = 'https://id.example';

function service() {
  const keys = { ES256: generateSigningKey('ES256'), RS256: generateSigningKey('RS256') };
  const signingKeys = {
    hasSigningKey: () => true,
    signingKey: (alg: SigningAlg) => ({ kid: keys[alg].kid, privateKey: keys[alg].privateKey }),
    verificationKey: (kid: string, alg: SigningAlg) =>
      keys[alg].kid === kid ? { kid, alg, status: 'active', publicKey: keys[alg].publicKey } : undefined,
  } as unknown as SigningKeysService;
  const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
  const config = { issuer: ISSUER, accessTokenTtl: 3600 } as AppConfig;
  const jwks = createLocalJWKSet({ keys: [keys.ES256.publicJwk, keys.RS256.publicJwk] });
  return { ids: new IdTokenService(config, clock, signingKeys), jwks, clock };
}

describe('IdTokenService', () => {
  it('at_hash is the left half of SHA-256 of the access token (OIDC Core A.3 example)', () => {
    expect(accessTokenHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y')).toBe('77QmUPtjPfzWtF2AnpK9RQ');
  });

  it.each(['ES256', 'RS256'] as const)(
    '%s id_tokens carry the OIDC claims and verify with jose',
    async (alg) => {
      const { ids, jwks, clock } = service();
      const token = await ids.issue({
        subject: 'user-1',
        clientId: 'iic_app',
        alg,
        accessToken: 'at',
        nonce: 'n-1',
        auth: { authTime: new Date('2029-12-31T23:00:00Z'), sid: 'sid-1', amr: ['pwd'], acr: '1' },
      });
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer: ISSUER,
        audience: 'iic_app',
        currentDate: clock.now(),
      });
      expect(protectedHeader).toMatchObject({ alg, typ: 'JWT' });
      expect(payload).toEqual({
        iss: ISSUER,
        sub: 'user-1',
        aud: 'iic_app',
        iat: 1893456000,
        exp: 1893456000 + 3600,
        auth_time: 1893452400,
        nonce: 'n-1',
        azp: 'iic_app',
        at_hash: accessTokenHash('at'),
        sid: 'sid-1',
        amr: ['pwd'],
        acr: '1',
      });
      expect(ids.readHint(token)).toEqual({ sub: 'user-1', clientId: 'iic_app', sid: 'sid-1' });
    },
  );

  it('readHint refuses anything that is not our id_token', async () => {
    const { ids } = service();
    const token = await ids.issue({ subject: 'u', clientId: 'c', alg: 'ES256', accessToken: 'at' });
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ iss: ISSUER, sub: 'admin', aud: 'c', at_hash: 'x' }),
    ).toString('base64url');
    for (const bad of ['', 'a.b.c', `${h}.${forged}.${s}`, `${h}.${p}`, `${h}.${p}.${s}x`]) {
      expect(ids.readHint(bad)).toBeUndefined();
    }
  });
});
