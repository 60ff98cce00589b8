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
