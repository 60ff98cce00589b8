import type { ExecutionContext } from '@nestjs/common';
import { type ModuleRef, Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';

import { ApiError } from '../errors/api-error';
import { InsufficientScope, InvalidRequest, InvalidToken, MissingCredential } from '../errors/oauth-errors';
import type { ApiRateLimits } from '../rate-limit/api-limits';
import { AuthGuard } from './auth.guard';
import { credentialStrategyToken } from './credential-strategy';
import { Accepts, type AuthenticatedRequest, Public, Scopes } from './decorators';
import type { CredentialKind, Principal } from './principal';

/** The outcome a fake strategy reports through passport's per-attempt actions. */
type Outcome = { success: Principal } | { error: Error } | { fail: true };

/** The passport side of a strategy, as the guard sees it: present() on headers, authenticate() on demand. */
function fakeStrategy(header: string, outcome: Outcome) {
  const strategy = {
    name: `fake-${header}`,
    calls: 0,
    present: (request: AuthenticatedRequest) => request.headers[header] !== undefined,
    authenticate(this: { success(user: unknown): void; error(error: unknown): void; fail(): void }): void {
      strategy.calls++;
      if ('success' in outcome) this.success(outcome.success);
      else if ('error' in outcome) this.error(outcome.error);
      else this.fail();
    },
  };
  return strategy;
}

const user: Principal = {
  kind: 'user',
  subject: 'user-1',
  userId: 'user-1',
  clientId: 'app',
  scopes: new Set(['read:user']),
  via: 'bearer',
};

class Routes {
  @Public()
  open(): void {}

  resource(): void {}

  @Scopes('read:user')
  profile(): void {}

  @Scopes('write:projects')
  write(): void {}

  @Accepts('session')
  selfService(): void {}
}

type Handler = 'open' | 'resource' | 'profile' | 'write' | 'selfService';

function setup(strategies: Partial<Record<CredentialKind, ReturnType<typeof fakeStrategy>>>) {
  const moduleRef = {
    get: jest.fn((token: string) => {
      const kind = (Object.keys(strategies) as CredentialKind[]).find(
        (k) => credentialStrategyToken(k) === token,
      );
      if (!kind) throw new Error(`no provider for ${token}`);
      return strategies[kind];
    }),
  };
  const limits = {
    checkFailures: jest.fn(),
    failed: jest.fn(async () => undefined),
    admit: jest.fn(async () => undefined),
  };
  const guard = new AuthGuard(
    new Reflector(),
    moduleRef as unknown as ModuleRef,
    limits as unknown as ApiRateLimits,
  );
  const reply = {} as FastifyReply;
  const run = (handler: Handler, headers: Record<string, string> = {}) => {
    const request = { headers, ip: '203.0.113.9' } as unknown as AuthenticatedRequest;
    const context = {
      getHandler: (): unknown => Reflect.get(Routes.prototype, handler),
      getClass: () => Routes,
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
    } as unknown as ExecutionContext;
    return { request, result: guard.canActivate(context) };
  };
  return { run, limits, moduleRef, reply };
}

describe('AuthGuard', () => {
  it('lets a @Public() route through without looking at credentials or limits', async () => {
    const bearer = fakeStrategy('authorization', { success: user });
    const { run, limits, moduleRef } = setup({ bearer });
    await expect(run('open', { authorization: 'Bearer x' }).result).resolves.toBe(true);
    expect(bearer.calls).toBe(0);
    expect(limits.checkFailures).not.toHaveBeenCalled();
    expect(moduleRef.get).not.toHaveBeenCalled();
  });

  it('answers a request without any credential with the bare RFC 6750 challenge and counts it', async () => {
    const { run, limits } = setup({
      bearer: fakeStrategy('authorization', { success: user }),
      api_key: fakeStrategy('x-api-key', { success: user }),
    });
    const error = await run('resource').result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingCredential);
    expect((error as ApiError).status).toBe(401);
    expect((error as ApiError).headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="iiniit"' });
    expect(limits.failed).toHaveBeenCalledTimes(1);
  });

  it('refuses two credentials at once with 400 before verifying either', async () => {
    const bearer = fakeStrategy('authorization', { success: user });
    const apiKey = fakeStrategy('x-api-key', { success: user });
    const { run, limits } = setup({ bearer, api_key: apiKey });
    const error = await run('resource', { authorization: 'Bearer t', 'x-api-key': 'k' }).result.catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidRequest);
    expect((error as ApiError).status).toBe(400);
    expect(bearer.calls + apiKey.calls).toBe(0);
    expect(limits.failed).not.toHaveBeenCalled();
  });

  it('only considers the credentials the route accepts', async () => {
    const bearer = fakeStrategy('authorization', { success: user });
    const session = fakeStrategy('cookie', { success: { ...user, via: 'session' } });
    const { run } = setup({ bearer, session });
    await expect(run('selfService', { authorization: 'Bearer t' }).result).rejects.toBeInstanceOf(
      MissingCredential,
    );
    expect(bearer.calls).toBe(0);
    await expect(run('selfService', { cookie: 's' }).result).resolves.toBe(true);
  });

  it('ignores a credential kind no module of the application provides', async () => {
    const { run } = setup({ bearer: fakeStrategy('authorization', { success: user }) });
    await expect(run('resource', { 'x-api-key': 'k' }).result).rejects.toBeInstanceOf(MissingCredential);
  });

  it('passes a rejected credential on as invalid_token and counts a failure against the address', async () => {
    const { run, limits } = setup({ bearer: fakeStrategy('authorization', { error: new InvalidToken() }) });
    const { request, result } = run('resource', { authorization: 'Bearer bad' });
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidToken);
    expect((error as ApiError).status).toBe(401);
    expect(limits.failed).toHaveBeenCalledWith(request);
    expect(limits.admit).not.toHaveBeenCalled();
    expect(request.principal).toBeUndefined();
  });

  it("turns a strategy's plain fail() into the same invalid_token and counts it", async () => {
    const { run, limits } = setup({ api_key: fakeStrategy('x-api-key', { fail: true }) });
    await expect(run('resource', { 'x-api-key': '' }).result).rejects.toBeInstanceOf(InvalidToken);
    expect(limits.failed).toHaveBeenCalledTimes(1);
  });

  it('does not count a server-side failure as a bad credential', async () => {
    const { run, limits } = setup({ bearer: fakeStrategy('authorization', { error: new Error('db down') }) });
    await expect(run('resource', { authorization: 'Bearer t' }).result).rejects.toThrow('db down');
    expect(limits.failed).not.toHaveBeenCalled();
  });

  it('answers 403 insufficient_scope naming the scope the route needs', async () => {
    const { run, limits } = setup({ bearer: fakeStrategy('authorization', { success: user }) });
    const { request, result } = run('write', { authorization: 'Bearer t' });
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientScope);
    expect((error as ApiError).status).toBe(403);
    expect((error as ApiError).headers?.['WWW-Authenticate']).toContain('scope="write:projects"');
    // The credential was real: it counts against its own limit, not as a failure.
    expect(limits.admit).toHaveBeenCalledTimes(1);
    expect(limits.failed).not.toHaveBeenCalled();
    expect(request.principal).toBeUndefined();
  });

  it('sets the principal and admits it against its per-credential limit', async () => {
    const { run, limits, reply } = setup({ bearer: fakeStrategy('authorization', { success: user }) });
    const { request, result } = run('profile', { authorization: 'Bearer t' });
    await expect(result).resolves.toBe(true);
    expect(request.principal).toBe(user);
    expect(limits.checkFailures).toHaveBeenCalledWith(request);
    expect(limits.admit).toHaveBeenCalledWith(user, reply);
  });

  it('resolves each strategy from its own application once', async () => {
    const { run, moduleRef } = setup({ bearer: fakeStrategy('authorization', { success: user }) });
    await run('resource', { authorization: 'Bearer t' }).result;
    await run('resource', { authorization: 'Bearer t' }).result;
    // bearer + api_key (missing), each looked up once.
    expect(moduleRef.get).toHaveBeenCalledTimes(2);
  });
});
