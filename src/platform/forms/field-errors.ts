import { ValidationFailed } from '../errors/api-error';

/** Form field name → the message shown next to it ('' holds errors for fields the form does not have). */
export type FieldErrors = Record<string, string>;

const LABELS: Record<string, string> = {
  name: 'Name',
  type: 'App type',
  redirect_uris: 'Redirect URIs',
  scopes: 'Scopes',
  grant_types: 'Grant types',
  expires_at: 'Expiry date',
  expires_on: 'Expiry date',
  email: 'Email',
  password: 'Password',
  current_password: 'Current password',
  new_password: 'New password',
};

/** "must be 1 to 100 characters" → "Name must be 1 to 100 characters." */
export function sentence(field: string, message: string): string {
  const text = message.trim().replace(/\.$/, '');
  const label = LABELS[field] ?? 'This field';
  if (/^(must|is|are|has|cannot)\b/.test(text)) return `${label} ${text}.`;
  // "unknown scope: x" reads as a sentence; "http://x/cb: must use https" needs its field named first.
  if (/^[a-z]+ /.test(text)) return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  return `${label}: ${text}.`;
}

/**
 * The services' ValidationFailed as per-field messages for the form. `rename` maps a service field to
 * the form's (the API's `expires_at` is the form's `expires_on`); unknown fields go under ''.
 * Returns undefined for any other error, which the caller rethrows.
 */
export function fieldErrors(
  error: unknown,
  formFields: readonly string[],
  rename: Record<string, string> = {},
): FieldErrors | undefined {
  if (!(error instanceof ValidationFailed)) return undefined;
  const errors: FieldErrors = {};
  for (const f of error.fields) {
    const field = rename[f.field] ?? f.field;
    const key = formFields.includes(field) ? field : '';
    errors[key] ??= sentence(field, f.messages[0] ?? 'is invalid');
  }
  return errors;
}
