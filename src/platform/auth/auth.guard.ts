import { CanActivate, ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';

import { ApiError } from '../errors/api-error';
import { InsufficientScope, InvalidRequest, InvalidToken, MissingCredential } from '../errors/oauth-errors';
import { ApiRateLimits } from '../rate-limit/api-limits';
import { type CredentialStrategy, credentialStrategyToken } from './credential-strategy';
import {
  ACCEPTED_CREDENTIALS,
  AuthenticatedRequest,
  IS_PUBLIC,
  REQUIRED_SCOPES,
  RESOURCE_CREDENTIALS,
} from './decorators';
import type { CredentialKind, Principal } from './principal';
import { runStrategy } from './run-strategy';

/** What a route's decorators say, read once per handler: metadata is fixed when the class is defined. */
interface RoutePolicy {
  isPublic: boolean;
  accepted: CredentialKind[];
  scopes: string[];
}

/**
 * Deny by default: every route needs a credential unless marked @Public(). Each accepted credential kind
 * is a passport strategy of the module that owns the credential (JwtStrategy, ApiKeyStrategy,
 * SessionStrategy); the guard runs the one the request presents, without passport sessions.
 * RFC 6750 §3: no credential → 401 with a bare challenge; bad credential → invalid_token;
 * missing scope → 403 insufficient_scope.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
    // Optional: contexts without HTTP traffic (the admin CLI) compose PlatformModule without the
    // global RateLimitModule; the application (AppModule) always has it.
    @Optional() private readonly limits?: ApiRateLimits,
  ) {}

  /** Resolved once per kind; null when no module of this application provides the credential. */
  private readonly strategies = new Map<CredentialKind, CredentialStrategy | null>();

  private strategyFor(kind: CredentialKind): CredentialStrategy | null {
    let strategy = this.strategies.get(kind);
    if (strategy === undefined) {
      try {
        strategy = this.moduleRef.get<CredentialStrategy>(credentialStrategyToken(kind), { strict: false });
      } catch {
        strategy = null;
      }
      this.strategies.set(kind, strategy);
    }
    return strategy;
  }

  /** Per controller class, then per handler: an inherited method may sit under other class metadata. */
  private readonly policies = new WeakMap<object, WeakMap<object, RoutePolicy>>();

  private policyOf(context: ExecutionContext): RoutePolicy {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.policies.get(controller);
    if (!byHandler) this.policies.set(controller, (byHandler = new WeakMap()));
    let policy = byHandler.get(handler);
    if (!policy) {
      const targets = [handler, controller];
      policy = {
        isPublic: this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) ?? false,
        accepted:
          this.reflector.getAllAndOverride<CredentialKind[]>(ACCEPTED_CREDENTIALS, targets) ??
          RESOURCE_CREDENTIALS,
        scopes: this.reflector.getAllAndOverride<string[]>(REQUIRED_SCOPES, targets) ?? [],
      };
      byHandler.set(handler, policy);
    }
    return policy;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.policyOf(context);
    if (policy.isPublic) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // An address that sent too many missing/invalid credentials waits before any verification.
    this.limits?.checkFailures(request);
    // Decided from headers and cookies only, before any verification work.
    let presented: CredentialStrategy | undefined;
    for (const kind of policy.accepted) {
      const strategy = this.strategyFor(kind);
      if (!strategy?.present(request)) continue;
      // One request, one credential: two would make "who is calling" ambiguous.
      if (presented) throw new InvalidRequest('send exactly one credential, not several');
      presented = strategy;
    }
    if (!presented) {
      await this.limits?.failed(request);
      throw new MissingCredential();
    }

    const principal = await this.authenticate(presented, request);
    // Per-credential limit, once the credential is known to be real (one counter operation).
    await this.limits?.admit(principal, context.switchToHttp().getResponse<FastifyReply>());
    const needed = policy.scopes;
    const missing = needed.filter((scope) => !principal.scopes.has(scope));
    if (missing.length > 0) throw new InsufficientScope(needed);
    request.principal = principal;
    return true;
  }

  /** Runs the strategy; a rejected credential (401) counts against the caller's IP, a server failure does not. */
  private authenticate(strategy: CredentialStrategy, request: AuthenticatedRequest): Promise<Principal> {
    return runStrategy<Principal>(strategy, request).then(
      async (principal) => {
        if (principal) return principal;
        // A strategy's own "fail": the same invalid_token as any bad credential.
        await this.limits?.failed(request);
        throw new InvalidToken();
      },
      async (error: unknown) => {
        if (error instanceof ApiError && error.status === 401) await this.limits?.failed(request);
        throw error;
      },
    );
  }
}
