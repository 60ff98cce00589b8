import { parseArgs, type ParseArgsConfig } from 'node:util';

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;
/** What parseArgs answers for a spec that is only known at run time (one per command). */
export type Flags = Record<string, string | boolean | Array<string | boolean> | undefined>;

export class UsageError extends Error {}

/**
 * node:util parseArgs over one command's declared flags: `--name value` or `--name=value`, a `multiple`
 * flag collects every value (e.g. several --redirect-uri); an unknown flag or a missing value is a usage error.
 */
export function parseFlags(args: string[], options: FlagSpec): Flags {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      throw new UsageError(withSuggestion((error as Error).message, Object.keys(options)));
    }
    throw error;
  }
}

export function optional(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

export function required(flags: Flags, name: string): string {
  const value = optional(flags, name);
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

export function all(flags: Flags, name: string): string[] {
  const value = flags[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function flag(flags: Flags, name: string): boolean {
  return flags[name] === true;
}

/** Levenshtein distance: small enough inputs (flag names) that the plain table is fine. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The closest declared flag to a mistyped one, when it is close enough to be a typo. */
export function suggestFlag(unknown: string, known: string[]): string | undefined {
  const name = unknown.replace(/^-+/, '').split('=')[0];
  let best: { flag: string; d: number } | undefined;
  for (const flag of known) {
    const d = distance(name, flag);
    if (!best || d < best.d) best = { flag, d };
  }
  return best && best.d <= Math.max(2, Math.floor(best.flag.length / 3)) ? best.flag : undefined;
}

/** parseArgs says "Unknown option '--nme'": add "did you mean --name?" when one flag is close. */
function withSuggestion(message: string, known: string[]): string {
  const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
  if (!unknown) return message;
  const suggestion = suggestFlag(unknown, known);
  const first = `unknown flag ${unknown}`;
  return suggestion ? `${first}; did you mean --${suggestion}?` : `${first}; ${message}`;
}
