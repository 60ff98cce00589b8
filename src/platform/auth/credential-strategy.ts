import type { Provider, Type } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Strategy } from 'passport';

import type { CredentialKind } from './principal';

/**
 * A passport strategy the global guard can run for a credential kind. `present` looks at headers and
 * cookies only, so the guard can refuse a request that carries two credentials before any verification
 * work (RFC 6750 §2: one method per request).
 */
export interface CredentialStrategy extends Strategy {
  present(request: FastifyRequest): boolean;
}

/** The injection token under which a module exposes the strategy for one credential kind. */
export function credentialStrategyToken(kind: CredentialKind): string {
  return `iiniit:credential-strategy:${kind}`;
}

/**
 * Registers a module's strategy for the guard. Passport's own registry (`passport.use`) is one per process;
 * two applications in one process (tests boot several, each with its own database and caches) would share
 * it, so the guard resolves strategies from its own application's container instead.
 */
export function credentialStrategyProvider(
  kind: CredentialKind,
  strategy: Type<CredentialStrategy>,
): Provider {
  return { provide: credentialStrategyToken(kind), useExisting: strategy };
}
