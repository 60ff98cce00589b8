import { type ArgumentMetadata, type ValidationError, ValidationPipe } from '@nestjs/common';

import { ValidationFailed } from '../errors/api-error';

function flattenValidation(errors: ValidationError[], prefix = ''): { field: string; messages: string[] }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flattenValidation(e.children ?? [], field)];
  });
}

type DtoClass = new () => object;

function isEmptyObject(value: unknown): value is Record<string, never> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key)) return false;
  return true;
}

/**
 * The global pipe: DTOs are validated (class-validator), unknown fields refused, field errors in our
 * `validation_failed` shape.
 *
 * One fast path: a query with no parameters at all (`GET /v1/projects`, the common case on the hot read
 * path) gives the same result for a given DTO class every time. The first such request runs the full
 * validation; when that passes and yields a plain fresh instance, later empty queries get a fresh
 * instance without class-transformer and class-validator (~15 % of a cached list request, measured).
 * An empty query the DTO refuses is never memoised, so it keeps failing the same way.
 */
export class AppValidationPipe extends ValidationPipe {
  private readonly emptyQueryIsValid = new WeakMap<DtoClass, boolean>();

  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => new ValidationFailed(flattenValidation(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const dto = metadata.metatype as DtoClass | undefined;
    if (metadata.type !== 'query' || typeof dto !== 'function' || !isEmptyObject(value)) {
      return super.transform(value, metadata);
    }
    const known = this.emptyQueryIsValid.get(dto);
    if (known) return new dto();
    const result: unknown = await super.transform(value, metadata);
    if (known === undefined) {
      this.emptyQueryIsValid.set(
        dto,
        result instanceof dto && JSON.stringify(result) === JSON.stringify(new dto()),
      );
    }
    return result;
  }
}
