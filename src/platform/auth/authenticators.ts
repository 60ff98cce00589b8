import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { CredentialKind, Principal } from './principal';

/**
 * One way of proving identity. `present` is cheap (headers only) so the guard can refuse requests that
 * carry two credentials before any verification work; `authenticate` throws InvalidToken on a bad one.
 */
export interface Authenticator {
  readonly kind: CredentialKind;
  present(request: FastifyRequest): boolean;
  authenticate(request: FastifyRequest): Promise<Principal>;
}

/** Modules register their authenticators here at start-up; the global guard consults it. */
@Injectable()
export class AuthenticatorRegistry {
  private readonly byKind = new Map<CredentialKind, Authenticator>();

  register(authenticator: Authenticator): void {
    this.byKind.set(authenticator.kind, authenticator);
  }

  get(kind: CredentialKind): Authenticator | undefined {
    return this.byKind.get(kind);
  }
}
