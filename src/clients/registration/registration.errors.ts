import { ApiError } from '../../platform/errors/api-error';

/** RFC 7591 §3.2.2: a redirect URI is invalid. */
export class InvalidRedirectUri extends ApiError {
  constructor(description: string) {
    super(400, 'invalid_redirect_uri', description);
  }
}

/** RFC 7591 §3.2.2: some other metadata field is invalid. */
export class InvalidClientMetadataError extends ApiError {
  constructor(description: string) {
    super(400, 'invalid_client_metadata', description);
  }
}

/** Registration is switched off on this server (DCR_MODE=off). */
export class RegistrationDisabled extends ApiError {
  constructor() {
    super(403, 'access_denied', 'dynamic client registration is not enabled on this server');
  }
}
