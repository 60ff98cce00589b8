import type { AuditService } from '../../audit/audit.service';
import type { RateDecision, RateLimiter } from '../../platform/rate-limit/rate-limiter.service';
import type { UsersService } from '../../users/users.service';
import type { SecondFactors } from '../mfa/second-factors.service';
import { LoginService, type SignInAttempt } from './login.service';

const ALLOWED: RateDecision = {
  allowed: true,
  limit: 10,
  remaining: 9,
  resetSeconds: 60,
  retryAfterSeconds: 0,
};
const REFUSED: RateDecision = {
  allowed: false,
  limit: 10,
  remaining: 0,
  resetSeconds: 60,
  retryAfterSeconds: 60,
};
const ALICE = { id: 'u1', email: 'alice@example.com' };

function setup(
  options: { ip?: RateDecision; account?: RateDecision; user?: typeof ALICE | null; locked?: boolean } = {},
) {
  const limiter = {
    lockoutPolicy: { threshold: 5, baseDelayMs: 1000, maxDelayMs: 60_000 },
    hit: jest.fn((rule: string) =>
      Promise.resolve(rule === 'login_ip' ? (options.ip ?? ALLOWED) : (options.account ?? ALLOWED)),
    ),
    refund: jest.fn().mockResolvedValue(undefined),
    headers: jest.fn().mockReturnValue({ 'Retry-After': '60' }),
    lockoutAttempt: jest
      .fn()
      .mockResolvedValue({ allowed: !options.locked, failures: options.locked ? 9 : 0 }),
    lockoutClear: jest.fn().mockResolvedValue(undefined),
  };
  const users = {
    verifyCredentials: jest.fn().mockResolvedValue(options.user === undefined ? ALICE : options.user),
    findByEmail: jest.fn().mockResolvedValue(ALICE),
  };
  const audit = { record: jest.fn().mockResolvedValue(undefined) };
  const service = new LoginService(
    users as unknown as UsersService,
    audit as unknown as AuditService,
    limiter as unknown as RateLimiter,
    { hasSecondFactor: jest.fn().mockResolvedValue(false) } as unknown as SecondFactors,
  );
  return { service, limiter, users, audit };
}

const attempt = (overrides: Partial<SignInAttempt> = {}): SignInAttempt => ({
  email: ' Alice@Example.com',
  password: 'correct horse',
  csrfValid: true,
  meta: { ip: '203.0.113.9', userAgent: 'test' },
  ...overrides,
});

describe('LoginService.signIn', () => {
  it('success: starts the session, refunds both limits, records sign_in.succeeded', async () => {
    const { service, limiter, audit } = setup();
    const start = jest.fn().mockResolvedValue(undefined);
    expect(await service.signIn(attempt(), start)).toEqual({ outcome: 'signed_in', userId: 'u1' });
    expect(start).toHaveBeenCalledWith('u1');
    expect(limiter.refund.mock.calls).toEqual([
      ['login_ip', '203.0.113.9'],
      ['login_account', 'alice@example.com'],
    ]);
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'sign_in.succeeded', userId: 'u1' }),
    );
  });

  it('the per-IP limit comes before the CSRF check; the account limit after it', async () => {
    const limited = setup({ ip: REFUSED });
    const result = await limited.service.signIn(attempt({ csrfValid: false }), jest.fn());
    expect(result).toEqual({ outcome: 'rate_limited', decision: REFUSED, headers: { 'Retry-After': '60' } });

    const forged = setup({ account: REFUSED });
    expect(await forged.service.signIn(attempt({ csrfValid: false }), jest.fn())).toEqual({
      outcome: 'csrf_failed',
    });
    expect(forged.limiter.hit.mock.calls).toEqual([['login_ip', '203.0.113.9']]);
    expect(forged.users.verifyCredentials).not.toHaveBeenCalled();
  });

  it('wrong credentials and a locked account give the same refusal, audited, no session', async () => {
    for (const options of [{ user: null }, { locked: true }]) {
      const { service, audit, limiter } = setup(options);
      const start = jest.fn();
      expect(await service.signIn(attempt(), start)).toEqual({ outcome: 'refused' });
      expect(start).not.toHaveBeenCalled();
      expect(limiter.refund).not.toHaveBeenCalled();
      expect(audit.record).toHaveBeenCalledWith(
        expect.objectContaining({ type: 'sign_in.failed', userId: 'u1', ip: '203.0.113.9' }),
      );
    }
  });
});
