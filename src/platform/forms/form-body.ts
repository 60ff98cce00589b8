import { createParamDecorator, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { validate, type ValidationError } from 'class-validator';
import type { FastifyRequest } from 'fastify';

import type { FieldErrors } from './field-errors';
import { ConsoleForm } from './form';

/** How a form field is read: one value, one value trimmed, checkboxes (a list), or a textarea's lines. */
type FieldKind = 'text' | 'trimmed' | 'list' | 'lines';

const FIELDS = new WeakMap<object, Map<string, FieldKind>>();

function formField(kind: FieldKind): PropertyDecorator {
  return (prototype, key) => {
    if (typeof key !== 'string') throw new Error('form fields are named by strings');
    let fields = FIELDS.get(prototype);
    if (!fields) FIELDS.set(prototype, (fields = new Map<string, FieldKind>()));
    fields.set(key, kind);
  };
}

/** A single-valued field ('' when missing or repeated: single fields never legitimately repeat). */
export const FormText = (options: { trim?: boolean } = {}) => formField(options.trim ? 'trimmed' : 'text');
/** Checkboxes sharing a name: a de-duplicated list without empty values. */
export const FormList = () => formField('list');
/** A textarea holding one entry per line: trimmed lines, blank ones dropped. */
export const FormLines = () => formField('lines');

/** The declared fields of a form class, its base classes' included. */
function fieldsOf(dto: new () => object): Map<string, FieldKind> {
  const all = new Map<string, FieldKind>();
  const chain: object[] = [];
  for (
    let p: object | null = dto.prototype as object;
    p && p !== Object.prototype;
    p = Object.getPrototypeOf(p) as object | null
  ) {
    chain.unshift(p);
  }
  for (const p of chain) for (const [name, kind] of FIELDS.get(p) ?? []) all.set(name, kind);
  return all;
}

/** A submitted form: its values (always well-typed, valid or not, to show the form again) and field errors. */
export interface SubmittedForm<T> {
  values: T;
  /** Field name → message, every failing field at once; empty when valid. */
  errors: FieldErrors;
  valid: boolean;
  /** The form's field names, to place the services' own field errors (`fieldErrors`). */
  fields: readonly string[];
}

function firstMessages(errors: ValidationError[]): FieldErrors {
  const out: FieldErrors = {};
  for (const e of errors) {
    const message = Object.values(e.constraints ?? {})[0];
    if (message !== undefined) out[e.property] ??= message;
  }
  return out;
}

/**
 * Reads a browser form into a class-validator DTO. Unlike the JSON API's pipe it never throws on bad
 * input: a form answers with itself, every field error next to its field and the values kept, so the
 * handler decides how to show it again. Only the declared fields are read (`csrf_token` is the session
 * credential's; anything else is ignored, as browsers send submit buttons and the like).
 */
export class FormPipe<T extends object> implements PipeTransform<unknown, Promise<SubmittedForm<T>>> {
  private readonly kinds: Map<string, FieldKind>;

  constructor(private readonly dto: new () => T) {
    this.kinds = fieldsOf(dto);
  }

  async transform(body: unknown): Promise<SubmittedForm<T>> {
    const form = ConsoleForm.from(body);
    const values = new this.dto();
    const target = values as Record<string, unknown>;
    for (const [name, kind] of this.kinds) {
      if (kind === 'text') target[name] = form.text(name);
      else if (kind === 'trimmed') target[name] = form.text(name).trim();
      else if (kind === 'list') target[name] = form.list(name);
      else target[name] = form.lines(name);
    }
    const errors = firstMessages(await validate(values, { forbidUnknownValues: false }));
    return { values, errors, valid: Object.keys(errors).length === 0, fields: [...this.kinds.keys()] };
  }
}

const RequestBody = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): unknown => ctx.switchToHttp().getRequest<FastifyRequest>().body,
);

/** `@FormBody(CreateAppForm) form: SubmittedForm<CreateAppForm>`: the form post, read and validated. */
export function FormBody<T extends object>(dto: new () => T): ParameterDecorator {
  return RequestBody(new FormPipe(dto));
}
