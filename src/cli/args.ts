/** `--name value` pairs; a repeated flag collects every value (e.g. several --redirect-uri). */
export function parseArgs(argv: string[]): { command?: string; flags: Map<string, string[]> } {
  const [command, ...rest] = argv;
  const flags = new Map<string, string[]>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else if (rest[i + 1] !== undefined && !rest[i + 1].startsWith('--')) value = rest[++i]!;
    else value = 'true';
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { command, flags };
}

export class UsageError extends Error {}

export function required(flags: Map<string, string[]>, name: string): string {
  const value = flags.get(name)?.at(-1);
  if (value === undefined || value === 'true') throw new UsageError(`--${name} is required`);
  return value;
}

export function optional(flags: Map<string, string[]>, name: string): string | undefined {
  return flags.get(name)?.at(-1);
}

export function all(flags: Map<string, string[]>, name: string): string[] {
  return flags.get(name) ?? [];
}
