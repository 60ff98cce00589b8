import { OAuthParamsPipe } from '../platform/http/oauth-params.pipe';
import { AuthorizationPageError } from './auth.errors';

/**
 * RFC 6749 §3.1 for the interactive routes' queries and forms (one value per name, empty means omitted);
 * a refusal is an error page, since nothing about the request can be trusted yet.
 *
 * Control characters are allowed here: RFC 6749 §4.1.2.1 returns `state` exactly as received, and every
 * value these routes echo is percent-encoded (locationHeader, the redirect URI) or HTML-escaped.
 */
export const InteractiveParams = new OAuthParamsPipe({
  allowControlCharacters: true,
  error: (refusal) => new AuthorizationPageError('invalid_request', refusal.description),
});
