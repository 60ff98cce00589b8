import { OAuthError } from '../../platform/errors/oauth-errors';

/** RFC 8628 §3.5: the user has not answered yet; the device keeps polling at its interval. */
export class AuthorizationPending extends OAuthError {
  constructor() {
    super(400, 'authorization_pending', 'the user has not yet approved or denied this device');
  }
}

/** RFC 8628 §3.5: polled faster than the interval; the interval grows by 5 seconds. */
export class SlowDown extends OAuthError {
  constructor(interval: number) {
    super(400, 'slow_down', `polling too fast: wait at least ${interval} seconds between requests`);
  }
}

/** RFC 8628 §3.5: the user denied the request. */
export class AccessDenied extends OAuthError {
  constructor() {
    super(400, 'access_denied', 'the user denied the authorization request');
  }
}

/** RFC 8628 §3.5: the device_code expired; the device must start over. */
export class ExpiredToken extends OAuthError {
  constructor() {
    super(400, 'expired_token', 'the device code has expired; start a new device authorization');
  }
}
