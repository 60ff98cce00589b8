import type { PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';

import type { ValidationFailed } from '../platform/errors/api-error';
import { type FieldErrors, sentence } from '../platform/forms/field-errors';

/**
 * Forms of the OAuth interaction pages (login, sign-up, consent, password). They differ from the console's
 * `FormPipe` in one way: their bodies went through `InteractiveParams` first (RFC 6749 §3.1, every value
 * one string), so the DTO is filled as is. Field messages are the console's (`sentence`), so every form of
 * the product words its errors alike.
 */
export type PageFieldErrors = FieldErrors;

/** A validated form: the DTO (unknown fields stripped) and the errors to show, empty when it is valid. */
export interface SubmittedForm<T> {
  readonly form: T;
  readonly errors: PageFieldErrors;
}

/** class-validator's errors as one message per field (the first constraint that failed). */
export function pageFieldErrors(errors: readonly ValidationError[]): PageFieldErrors {
  const fields: PageFieldErrors = {};
  for (const e of errors) {
    const message = Object.values(e.constraints ?? {})[0];
    if (message !== undefined) fields[e.property] ??= sentence(e.property, message);
  }
  return fields;
}

/** A service's ValidationFailed (the domain rules: email shape, password policy) as page field errors. */
export function serviceFieldErrors(error: ValidationFailed): PageFieldErrors {
  const fields: PageFieldErrors = {};
  for (const f of error.fields) fields[f.field] ??= sentence(f.field, f.messages[0] ?? 'is invalid');
  return fields;
}

/**
 * Validates an interactive form into its DTO class (class-validator, `whitelist`: fields the DTO does not
 * declare are dropped). Runs after OAuthParamsPipe, so every value is already one string. Errors are
 * returned, not thrown: the page decides when to show them (after its rate limit and CSRF checks), and
 * the parameter must be typed `SubmittedForm<T>` (an interface) so the global validation pipe skips it.
 */
export class FormDtoPipe<T extends object> implements PipeTransform<unknown, Promise<SubmittedForm<T>>> {
  constructor(private readonly dto: new () => T) {}

  async transform(value: unknown): Promise<SubmittedForm<T>> {
    const form = plainToInstance(this.dto, value ?? {});
    const errors = await validate(form, { whitelist: true, forbidUnknownValues: true });
    return { form, errors: pageFieldErrors(errors) };
  }
}
