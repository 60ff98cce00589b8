import {
  ArrayNotEmpty,
  IsIn,
  Validate,
  type ValidationArguments,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';

import { FormLines, FormList, FormText } from '../platform/forms/form-body';

/**
 * The console's forms. They check what the form asks for and the services do not (the JSON API allows
 * an app without redirect URIs, the form does not); the services' own rules (name length, known scopes,
 * https redirect URIs) come back as their field errors once the form itself is complete.
 */

/**
 * `YYYY-MM-DD` → the end of that day in UTC (the first instant of the next day), or a message.
 * The date input sends exactly this shape; anything else is a hand-made request.
 */
export function parseExpiryDate(value: string, now = Date.now()): Date | null | string {
  if (value === '') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return 'Expiry date must be a date like 2030-12-31.';
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const start = new Date(Date.UTC(year, month - 1, day));
  if (start.getUTCFullYear() !== year || start.getUTCMonth() !== month - 1 || start.getUTCDate() !== day) {
    return 'Expiry date must be a real date.';
  }
  const end = new Date(start.getTime() + 24 * 3600 * 1000);
  if (end.getTime() <= now) return 'Expiry date must be today or later.';
  return end;
}

@ValidatorConstraint({ name: 'expiryDate' })
class ExpiryDate implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && typeof parseExpiryDate(value) !== 'string';
  }

  defaultMessage(args: ValidationArguments): string {
    const problem = typeof args.value === 'string' ? parseExpiryDate(args.value) : null;
    return typeof problem === 'string' ? problem : 'Expiry date must be a date like 2030-12-31.';
  }
}

const APP_SCOPES_REQUIRED = 'Choose at least one scope: an app without one can do nothing.';
const REDIRECT_URIS_REQUIRED = 'Add at least one redirect URI: where people come back after signing in.';

/** Edit app: the app's type is fixed at registration. */
export class UpdateAppForm {
  @FormText()
  name = '';

  @FormLines()
  @ArrayNotEmpty({ message: REDIRECT_URIS_REQUIRED })
  redirect_uris: string[] = [];

  @FormList()
  @ArrayNotEmpty({ message: APP_SCOPES_REQUIRED })
  scopes: string[] = [];

  /** OpenID Connect sign-in (optional): where logout may return to, and how id_tokens are signed. */
  @FormLines()
  post_logout_redirect_uris: string[] = [];

  /** Empty (a form without the field): ES256 for a new app, unchanged for an existing one. */
  @FormText()
  @IsIn(['', 'ES256', 'RS256'], { message: 'Choose ES256 or RS256.' })
  id_token_signed_response_alg = '';

  /** RFC 8628 device sign-in: a checkbox, `on` when ticked. */
  @FormText()
  @IsIn(['', 'on'], { message: 'Device sign-in is a checkbox.' })
  device_flow = '';
  /** RFC 9449 §5.2 DPoP-bound access tokens only: a checkbox, `on` when ticked. */
  @FormText()
  @IsIn(['', 'on'], { message: 'Require DPoP is a checkbox.' })
  dpop_bound_access_tokens = '';
}

export class CreateAppForm extends UpdateAppForm {
  @FormText()
  @IsIn(['confidential', 'public'], { message: 'Choose the kind of app.' })
  type = '';
}

export class CreateApiKeyForm {
  @FormText()
  name = '';

  @FormList()
  @ArrayNotEmpty({ message: 'Choose at least one scope: a key without one can do nothing.' })
  scopes: string[] = [];

  /** Empty: the key never expires. */
  @FormText({ trim: true })
  @Validate(ExpiryDate)
  expires_on = '';
}
