import { CanActivate, ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../errors/api-error';
import { InsufficientScope, InvalidRequest, MissingCredential } from '../errors/oauth-errors';
import { ApiRateLimits } from '../rate-limit/api-limits';
import { AuthenticatorRegistry } from './authenticators';
import { ACCEPTED_CREDENTIALS, AuthenticatedRequest, IS_PUBLIC, REQUIRED_SCOPES } from './decorators';
import type { CredentialKind } from './principal';

const RESOURCE_CREDENTIALS: CredentialKind[] = ['bearer', 'api_key'];

/** What a route's decorators say, read once per handler: metadata is fixed when the class is defined. */
interface RoutePolicy {
  isPublic: boolean;
  accepted: CredentialKind[];
  scopes: string[];
}

/**
 * Deny by default: every route needs a credential unless marked @Public().
 * RFC 6750 §3: no credential → 401 with a bare challenge; bad credential → invalid_token;
 * missing scope → 403 insufficient_scope.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly registry: AuthenticatorRegistry,
    // Issue 7. Optional: contexts without HTTP traffic (the admin CLI) compose PlatformModule without the
    // global RateLimitModule; the application (AppModule) always has it.
    @Optional() private readonly limits?: ApiRateLimits,
  ) {}

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
    // Issue 7: an address that sent too many missing/invalid credentials waits before any verification.
    this.limits?.checkFailures(request);
    const presented = policy.accepted
      .map((kind) => this.registry.get(kind))
      .filter((a) => a !== undefined && a.present(request));
    if (presented.length === 0) {
      await this.limits?.failed(request);
      throw new MissingCredential();
    }
    // One request, one credential: two would make "who is calling" ambiguous.
    if (presented.length > 1) throw new InvalidRequest('send exactly one credential, not several');

    const principal = await presented[0]!.authenticate(request).catch(async (error: unknown) => {
      // Issue 7: rejected credentials count per IP; server-side failures (5xx) do not.
      if (error instanceof ApiError && error.status === 401) await this.limits?.failed(request);
      throw error;
    });
    // Issue 7: per-credential limit, once the credential is known to be real (one counter operation).
    await this.limits?.admit(principal, context.switchToHttp().getResponse<FastifyReply>());
    const needed = policy.scopes;
    const missing = needed.filter((scope) => !principal.scopes.has(scope));
    if (missing.length > 0) throw new InsufficientScope(needed);
    request.principal = principal;
    return true;
  }
}
