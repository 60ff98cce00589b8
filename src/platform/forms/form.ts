import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * A submitted console form. Our body parser turns a repeated name into an array: checkboxes (`scopes`)
 * legitimately repeat, single-valued fields never do, so a repeated single field reads as missing.
 */
export class ConsoleForm {
  private constructor(private readonly fields: ReadonlyMap<string, string | readonly string[]>) {}

  static from(body: unknown): ConsoleForm {
    const fields = new Map<string, string | readonly string[]>();
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
        if (typeof value === 'string') fields.set(name, value);
        else if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) {
          fields.set(name, value);
        }
        // Anything else (a JSON object posted by hand) is not a form field.
      }
    }
    return new ConsoleForm(fields);
  }

  /** A single-valued field, '' when missing or repeated. */
  text(name: string): string {
    const value = this.fields.get(name);
    return typeof value === 'string' ? value : '';
  }

  /** A multi-valued field (checkboxes), without empty values or duplicates. */
  list(name: string): string[] {
    const value = this.fields.get(name);
    const all = value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
    return [...new Set(all.filter((v) => v !== ''))];
  }

  /** One entry per line (a textarea), trimmed, blank lines dropped. */
  lines(name: string): string[] {
    return this.text(name)
      .split(/\r\n|\r|\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '');
  }
}

/** A plain string query parameter (never an array), for the console's own `?notice=` and `?secret=`. */
export function queryParam(query: unknown, name: string): string | undefined {
  if (!query || typeof query !== 'object') return undefined;
  const value = (query as Record<string, unknown>)[name];
  return typeof value === 'string' && value.length <= 100 ? value : undefined;
}

/**
 * `@QueryText('notice')`: one short plain-string query parameter of a page, or undefined (a repeated or
 * overlong value is ignored, as is any parameter the page does not read: links get shared with extras).
 */
export const QueryText = createParamDecorator((name: string, ctx: ExecutionContext): string | undefined =>
  queryParam(ctx.switchToHttp().getRequest<FastifyRequest>().query, name),
);
