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
      throw new UsageError((error as Error).message);
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
