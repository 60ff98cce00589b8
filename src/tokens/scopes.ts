/** The scopes this server knows (issue: unknown scope → invalid_scope), with plain words for consent. */
export const SCOPES = {
  'read:user': 'See your profile: name, email address and account id',
  'read:projects': 'See your projects',
  'write:projects': 'Create, change and delete your projects',
} as const;

export type Scope = keyof typeof SCOPES;
export const KNOWN_SCOPES = Object.keys(SCOPES) as Scope[];

export function isKnownScope(value: string): value is Scope {
  return Object.prototype.hasOwnProperty.call(SCOPES, value);
}

/**
 * RFC 6749 §3.3: scope is a space-delimited list of case-sensitive strings (NQCHAR only).
 * Returns the de-duplicated list, or undefined when the syntax is broken.
 */
export function parseScope(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return [];
  if (raw.length > 1000 || !/^[\x21\x23-\x5B\x5D-\x7E ]*$/.test(raw)) return undefined;
  return [...new Set(raw.split(' ').filter(Boolean))];
}

export function formatScope(scopes: Iterable<string>): string {
  return [...scopes].join(' ');
}
