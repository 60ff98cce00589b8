/**
 * Password policy after NIST SP 800-63B §5.1.1.2: length over composition rules, and a block list of
 * passwords attackers try first. Upper bound keeps argon2 work per request bounded.
 */
const PASSWORD_MIN = 8;
const PASSWORD_MAX = 256;

const COMMON = new Set(
  `password password1 password12 password123 password1234 passw0rd p@ssword p@ssw0rd 12345678 123456789
  1234567890 12345678910 87654321 11111111 00000000 88888888 99999999 12341234 11223344 qwertyui qwertyuiop
  qwerty123 qwerty12 1qaz2wsx 1q2w3e4r 1q2w3e4r5t zaq12wsx abc12345 abcd1234 abcdefgh iloveyou iloveyou1
  sunshine princess football baseball welcome welcome1 letmein1 trustno1 starwars superman batman123
  monkey123 dragon123 master123 shadow123 michael1 jennifer charlie1 computer internet whatever
  changeme changeme1 default1 admin123 administrator adminadmin rootroot secret123 testtest test1234
  asdfghjk asdfasdf asdf1234 zxcvbnm1 zxcvbnmm football1 baseball1 hello123 freedom1 killer12 mustang1
  michelle jordan23 hunter12 summer2024 summer2025 winter2025 spring2026 autumn2026 iiniit123 iiniitpass`
    .split(/\s+/)
    .filter(Boolean),
);

/** Returns the reason the password is refused, or undefined when acceptable. */
export function passwordProblem(password: string, email?: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  const lowered = password.toLowerCase();
  if (COMMON.has(lowered)) return 'is too common; choose a less guessable password';
  if (email && lowered === email.toLowerCase()) return 'must not be your email address';
  return undefined;
}
