import { ApiError } from './api-error';

/**
 * OAuth error family named after the RFC codes (like node-oidc-provider's helpers/errors.js).
 * RFC 6749 §5.2 for the token endpoint, §4.1.2.1 for authorization redirects, RFC 6750 §3.1 for resources.
 */
export class OAuthError extends ApiError {}

export class InvalidRequest extends OAuthError {
  constructor(description = 'the request is missing a required parameter or is otherwise malformed') {
    super(400, 'invalid_request', description);
  }
}

/** RFC 6749 §5.2: 401 with WWW-Authenticate when the client tried HTTP authentication (we always send it). */
export class InvalidClient extends OAuthError {
  constructor(description = 'client authentication failed') {
    super(401, 'invalid_client', description, {
      'WWW-Authenticate': 'Basic realm="iiniit", charset="UTF-8"',
    });
  }
}

export class InvalidGrant extends OAuthError {
  constructor(description = 'the authorization grant is invalid, expired or revoked') {
    super(400, 'invalid_grant', description);
  }
}

export class UnauthorizedClient extends OAuthError {
  constructor(description = 'the client is not authorized to use this grant type') {
    super(400, 'unauthorized_client', description);
  }
}

export class UnsupportedGrantType extends OAuthError {
  constructor(description = 'the grant type is not supported') {
    super(400, 'unsupported_grant_type', description);
  }
}

export class InvalidScope extends OAuthError {
  constructor(description = 'the requested scope is invalid, unknown or exceeds what is allowed') {
    super(400, 'invalid_scope', description);
  }
}

const REALM = 'realm="iiniit"';

/** RFC 6750 §3: no credential at all → a challenge with no error code. */
export class MissingCredential extends OAuthError {
  constructor() {
    super(401, 'unauthorized', 'authentication required: send a bearer token or an X-API-Key', {
      'WWW-Authenticate': `Bearer ${REALM}`,
    });
  }
}

/** RFC 6750 §3.1: bad, expired or revoked credential. One description for all, so nothing is revealed. */
export class InvalidToken extends OAuthError {
  constructor(description = 'the credential is invalid, expired or revoked') {
    super(401, 'invalid_token', description, {
      'WWW-Authenticate': `Bearer ${REALM}, error="invalid_token", error_description="${description}"`,
    });
  }
}

/** RFC 6750 §3.1: the credential is fine but lacks the scope the route needs. */
export class InsufficientScope extends OAuthError {
  constructor(readonly needed: string[]) {
    const scope = needed.join(' ');
    super(
      403,
      'insufficient_scope',
      `this request needs the scope: ${scope}`,
      { 'WWW-Authenticate': `Bearer ${REALM}, error="insufficient_scope", scope="${scope}"` },
      { scope },
    );
  }
}

/** RFC 8707 §2: the `resource` is unknown, malformed, or not one the grant or client may reach. */
export class InvalidTarget extends OAuthError {
  constructor(description = 'the requested resource is invalid or unknown') {
    super(400, 'invalid_target', description);
  }
}

/** RFC 9449 §7.1: the `algs` auth-param of a DPoP challenge. */
export const DPOP_CHALLENGE_ALGS = 'algs="ES256 EdDSA RS256"';

/** RFC 9449 §5 / §7.1: a DPoP proof at the token endpoint is missing, malformed or invalid. */
export class InvalidDpopProof extends OAuthError {
  constructor(description = 'the DPoP proof is invalid') {
    super(400, 'invalid_dpop_proof', description);
  }
}

/** RFC 9449 §8: the server requires a nonce it issued; retry with the one in the DPoP-Nonce header. */
export class UseDpopNonce extends OAuthError {
  constructor(nonce: string, status: 400 | 401 = 400) {
    const description =
      'the authorization server requires a DPoP nonce: use the one in the DPoP-Nonce header';
    super(status, 'use_dpop_nonce', description, {
      'DPoP-Nonce': nonce,
      ...(status === 401
        ? {
            'WWW-Authenticate': `DPoP ${DPOP_CHALLENGE_ALGS}, error="use_dpop_nonce", error_description="${description}"`,
          }
        : {}),
    });
  }
}

/**
 * RFC 9449 §7.1: a resource request with the DPoP scheme failed; the challenge names the DPoP scheme
 * (not Bearer) with `invalid_token` or `invalid_dpop_proof`.
 */
export class DpopChallenge extends OAuthError {
  constructor(code: 'invalid_token' | 'invalid_dpop_proof', description: string) {
    super(401, code, description, {
      'WWW-Authenticate': `DPoP ${DPOP_CHALLENGE_ALGS}, error="${code}", error_description="${description}"`,
    });
  }
}
