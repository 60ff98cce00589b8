import { hkdfSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

/** Raised when the environment is unusable; main.ts prints its one-line message and exits 1. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`config: ${variable} ${problem}`);
  }
}

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The development-only secret: refused in production so no deployment ships with a known pepper. */
export const PLACEHOLDER_APP_SECRET = 'dev-only-insecure-app-secret-change-me';

/**
 * The whole runtime configuration, validated once at start-up (design convention 6).
 * Every field maps to one variable documented in `.env.example`.
 */
export interface AppConfig {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  /** Public base URL, the `iss` of every token (no trailing slash). */
  issuer: string;
  /** Set → that PostgreSQL; unset → embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /** Connections per process to DATABASE_URL (DATABASE_POOL_MAX); unset: DEFAULT_DATABASE_POOL_MAX. */
  databasePoolMax?: number;
  dataDir: string;
  dbMigrationsRun: boolean;
  allowEmbeddedInProduction: boolean;
  redisUrl?: string;
  logLevel: LogLevel;
  /** Key material derived from APP_SECRET; the secret itself is not kept. */
  secrets: { pepper: Buffer; keyEncryptionKey: Buffer };
  /** Seconds. */
  accessTokenTtl: number;
  refreshTokenTtl: number;
  authorizationCodeTtl: number;
  /** RFC 8628 §3.2 `expires_in` of device and user codes, seconds. */
  deviceCodeTtl: number;
  sessionTtl: number;
  /**
   * Seconds after a rotation during which the same client may present the rotated refresh token once more
   * (its response was lost) and get a fresh pair, while the successor is unused; 0 = strict reuse detection.
   */
  refreshRetryGrace: number;
  /** OAuth 2.1 profile: PKCE for every client, not just public ones. */
  requirePkce: boolean;
  /** REQUIRE_MFA: every console user must have a second factor; one without enrols at the next sign-in. */
  requireMfa: boolean;
  clientSecretRotationOverlap: number;
  apiKeyRollOverlap: number;
  /** A new signing key is in the JWKS this long before it signs (clients refresh their JWKS cache). */
  keyPrepublish: number;
  /** Scheduled signing-key rotation period. */
  keyRotationInterval: number;
  /** The `<env>` part of API keys: `iik_live_...` or `iik_test_...`. */
  apiKeyEnv: 'live' | 'test';
  /** Demo user/client on an empty embedded database. */
  seedDemoData: boolean;
  /** Node cluster size: 1 (default) runs in-process; `auto` = one per core. Needs DATABASE_URL when > 1. */
  workers: number;
  trustProxy: boolean;
  /** Request-rate limits per IP, account, client and credential (see `.env.example`). */
  rateLimits: RateLimits;
  /** Growing delay after repeated failed sign-ins for one email. */
  loginLockout: LoginLockoutPolicy;
  /** Exact origins allowed to call the resource API and /oauth2/token|revoke from a browser. */
  corsOrigins: string[];
  /** Outgoing mail (verification, password reset, security notices). */
  mail: MailConfig;
  /** Seconds a verification link stays valid. */
  emailVerificationTtl: number;
  /** Seconds a password-reset link stays valid. */
  passwordResetTtl: number;
  /** AI agents (MCP): RFC 9728, RFC 7591, Client ID Metadata Documents. */
  agents: AgentsConfig;
  /** Operations: graceful shutdown, the data-lifecycle janitor and the Prometheus endpoint. */
  operations: OperationsConfig;
  /** RFC 9449 DPoP proofs. */
  dpop: DpopConfig;
}

export interface DpopConfig {
  /** Seconds a proof is accepted after its `iat` (and its jti remembered for replay detection). */
  proofMaxAge: number;
  /** RFC 9449 §8/§9: every proof must carry a nonce this server issued (DPoP-Nonce header). */
  requireNonce: boolean;
}

export interface MailConfig {
  /** `smtp` sends through SMTP_URL; `log` writes one line per mail (and keeps the dev outbox). */
  transport: 'smtp' | 'log';
  smtpUrl?: string;
  /** The From header: `iiniit <no-reply@example.com>`. */
  from: string;
  /** The in-memory outbox page at /console/dev/outbox: never in production. */
  devOutbox: boolean;
  /** MAIL_TRANSPORT was set (production accepts the log transport only when asked for by name). */
  explicit: boolean;
}

export type DcrMode = 'open' | 'initial-access-token' | 'off';

export interface AgentsConfig {
  /** RFC 9728 §5.1: the resource API's Bearer challenges name its protected-resource metadata. */
  resourceMetadataChallenge: boolean;
  /** RFC 7591 dynamic registration: anyone, holders of an operator-minted initial access token, or nobody. */
  dcrMode: DcrMode;
  /** Client ID Metadata Documents may live on private, loopback and link-local addresses (development only). */
  cimdAllowPrivateHosts: boolean;
}

export interface OperationsConfig {
  /** Seconds in-flight requests get to finish after SIGTERM before their connections are closed. */
  shutdownTimeout: number;
  /** Seconds between SIGTERM (readiness turns 503) and closing the listener, for load balancers to notice. */
  shutdownDelay: number;
  janitor: {
    enabled: boolean;
    /** Seconds between runs. */
    intervalSeconds: number;
    /** Rows per DELETE statement. */
    batchSize: number;
    /** Seconds a rotated or expired refresh token is kept (reuse detection still sees it meanwhile). */
    refreshTokenRetentionSeconds: number;
    auditRetentionDays: number;
  };
  audit: {
    /** Where batched audit events wait, fsync'd, while PostgreSQL is unreachable. */
    spoolDir: string;
  };
  metrics: {
    /** Set: GET /metrics on its own listener on this port. */
    port?: number;
    /** Set (and no port): GET /metrics on the main port behind `Authorization: Bearer <token>`. */
    token?: string;
  };
}

/** At most `limit` hits per `windowSeconds` (fixed window); `limit` 0 means the limit is off. */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export interface RateLimits {
  loginIp: RateLimit;
  loginAccount: RateLimit;
  signupIp: RateLimit;
  /** RFC 7591 dynamic client registrations per client IP. */
  registrationIp: RateLimit;
  client: RateLimit;
  /** A failed client authentication counts this many hits in its client_id's bucket. */
  clientFailureWeight: number;
  clientAuthFailureIp: RateLimit;
  api: RateLimit;
  apiAuthFailureIp: RateLimit;
  passwordResetIp: RateLimit;
  passwordResetAccount: RateLimit;
  /** RFC 8628 §5.1: user codes entered on /device that match no pending request, per client IP. */
  deviceUserCodeIp: RateLimit;
  /** RFC 8628 §5.1: entries of one user code (a code is short: its budget is tiny). */
  deviceUserCode: RateLimit;
  /** Prefix of every rate-limit key in Redis (several deployments, or tests, can share one Redis). */
  keyPrefix: string;
  /**
   * With Redis: how often (ms) each instance sends the hits it counted locally for the high-volume limits
   * (`api`, `client`); 0 counts every hit in Redis as it happens (exact, one round trip per request).
   */
  syncIntervalMs: number;
}

export interface LoginLockoutPolicy {
  /** Failed sign-ins before the delay starts (0 = lockout off). */
  threshold: number;
  /** The first delay; it doubles per further failure (1 s, 2 s, 4 s, ...) up to `maxDelaySeconds`. */
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  /** The failure count is forgotten this long after the last attempt. */
  windowSeconds: number;
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback?: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return raw.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be an absolute URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw;
}

function workers(env: Env, external: boolean): number {
  const raw = str(env, 'WORKERS');
  const count = raw === 'auto' ? availableParallelism() : int(env, 'WORKERS', 1, 1, 64);
  // The embedded database lives inside one process: workers could not share it.
  if (count > 1 && !external) {
    throw new ConfigError('WORKERS', 'above 1 needs DATABASE_URL (the embedded database is single-process)');
  }
  return count;
}

const RATE = /^(\d{1,9})\s*\/\s*(\d{1,6})?\s*([smh])?$/i;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** `30/1m` = 30 per minute; the window is `<n>s|m|h` (a bare number is seconds); `0` or `off` disables. */
function rate(env: Env, name: string, fallback: string): RateLimit {
  const raw = str(env, name, fallback)!;
  if (/^(0|off)$/i.test(raw)) return { limit: 0, windowSeconds: 0 };
  const match = RATE.exec(raw);
  const problem = `must look like 30/1m (a count per window of <n>s, <n>m or <n>h) or 0 to turn it off, got "${raw}"`;
  if (!match || (match[2] === undefined && match[3] === undefined)) throw new ConfigError(name, problem);
  const limit = Number(match[1]);
  const windowSeconds = Number(match[2] ?? 1) * UNIT_SECONDS[(match[3] ?? 's').toLowerCase()];
  if (limit < 1 || windowSeconds < 1 || windowSeconds > 86400) {
    throw new ConfigError(name, `needs a count of at least 1 and a window from 1 s to 24 h, got "${raw}"`);
  }
  return { limit, windowSeconds };
}

function keyPrefix(env: Env, name: string, fallback: string): string {
  const raw = str(env, name, fallback)!;
  if (!/^[\w:.-]{1,64}$/.test(raw)) {
    throw new ConfigError(name, `must be 1-64 letters, digits or _ : . -, got "${raw.slice(0, 80)}"`);
  }
  return raw;
}

/** Comma-separated exact origins (`https://app.example.com`); never `*` or a path, nothing is reflected. */
function origins(env: Env, name: string): string[] {
  const raw = str(env, name);
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      let parsed: URL | undefined;
      try {
        parsed = new URL(entry);
      } catch {
        parsed = undefined;
      }
      const exact = parsed && /^https?:$/.test(parsed.protocol) && entry.replace(/\/$/, '') === parsed.origin;
      if (!parsed || !exact) {
        throw new ConfigError(
          name,
          `must list origins like https://app.example.com (no path, no *), got "${entry}"`,
        );
      }
      return parsed.origin;
    });
}

/**
 * SMTP_URL (`smtp://user:pass@host:587`, `smtps://…`) or the log transport. Production refuses to start
 * without SMTP_URL unless MAIL_TRANSPORT=log says so explicitly: a silent log would lose every reset mail.
 */
function mail(env: Env, nodeEnv: NodeEnv): MailConfig {
  const production = nodeEnv === 'production';
  const smtpUrl = url(env, 'SMTP_URL', ['smtp:', 'smtps:']);
  const transport = oneOf(env, 'MAIL_TRANSPORT', ['smtp', 'log'] as const, smtpUrl ? 'smtp' : 'log');
  if (transport === 'smtp' && !smtpUrl) {
    throw new ConfigError('SMTP_URL', 'must be set when MAIL_TRANSPORT=smtp');
  }
  const from = str(env, 'MAIL_FROM', 'iiniit <no-reply@localhost>')!;
  // One address, optionally with a display name; no line breaks (header injection).
  if (
    from.length > 200 ||
    /[\r\n]/.test(from) ||
    !/^([^<>@]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/.test(from)
  ) {
    throw new ConfigError(
      'MAIL_FROM',
      `must be an address like "iiniit <no-reply@example.com>", got "${from.slice(0, 80)}"`,
    );
  }
  return {
    transport,
    smtpUrl,
    from,
    devOutbox: !production,
    explicit: str(env, 'MAIL_TRANSPORT') !== undefined,
  };
}

/**
 * The server's start-up check (main.ts): in production, mail must go out through SMTP_URL unless
 * MAIL_TRANSPORT=log was chosen explicitly — a silent log would lose every reset and verification mail.
 * Not part of loadConfig: the admin CLI sends no mail and runs without it.
 */
export function assertMailDeliverable(config: AppConfig): void {
  if (config.nodeEnv !== 'production' || config.mail.smtpUrl || config.mail.explicit) return;
  throw new ConfigError(
    'SMTP_URL',
    'must be set in production (or set MAIL_TRANSPORT=log to only log mails, links withheld)',
  );
}

/** HKDF-SHA256 (RFC 5869) so the pepper and the key-encryption key are independent keys from one secret. */
function derive(secret: string, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'iiniit-identity', info, 32));
}

export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const production = nodeEnv === 'production';
  const port = int(env, 'PORT', 3000, 0, 65535);
  const issuerRaw = url(env, 'ISSUER', ['http:', 'https:']) ?? `http://localhost:${port}`;
  const issuerUrl = new URL(issuerRaw);
  // RFC 8414 §2: the issuer has no query or fragment.
  if (issuerUrl.search || issuerUrl.hash) {
    throw new ConfigError('ISSUER', 'must not contain a query or fragment');
  }
  const issuer = issuerRaw.replace(/\/+$/, '');

  const appSecret = str(env, 'APP_SECRET');
  if (production && (appSecret === undefined || appSecret === PLACEHOLDER_APP_SECRET)) {
    throw new ConfigError(
      'APP_SECRET',
      'must be set to a random value of at least 32 characters in production',
    );
  }
  if (appSecret !== undefined && appSecret.length < 32) {
    throw new ConfigError('APP_SECRET', `must be at least 32 characters, got ${appSecret.length}`);
  }
  const secret = appSecret ?? PLACEHOLDER_APP_SECRET;

  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const allowEmbeddedInProduction = bool(env, 'ALLOW_EMBEDDED_DB_IN_PRODUCTION', false);
  if (production && !databaseUrl && !allowEmbeddedInProduction) {
    throw new ConfigError(
      'DATABASE_URL',
      'must be set in production (or set ALLOW_EMBEDDED_DB_IN_PRODUCTION=true to run on the embedded database)',
    );
  }

  const day = 86400;
  const dataDir = resolve(str(env, 'DATA_DIR', './data')!);
  return {
    nodeEnv,
    port,
    host: str(env, 'HOST', '127.0.0.1')!,
    issuer,
    databaseUrl,
    databasePoolMax: env.DATABASE_POOL_MAX ? int(env, 'DATABASE_POOL_MAX', 0, 1, 1000) : undefined,
    dataDir,
    dbMigrationsRun: bool(env, 'DB_MIGRATIONS_RUN', true),
    allowEmbeddedInProduction,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    logLevel: oneOf(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
    ),
    secrets: {
      pepper: derive(secret, 'secret-pepper'),
      keyEncryptionKey: derive(secret, 'signing-key-encryption'),
    },
    accessTokenTtl: int(env, 'ACCESS_TOKEN_TTL', 3600, 60, day),
    refreshTokenTtl: int(env, 'REFRESH_TOKEN_TTL', 30 * day, 300, 365 * day),
    authorizationCodeTtl: int(env, 'AUTHORIZATION_CODE_TTL', 60, 10, 600),
    deviceCodeTtl: int(env, 'DEVICE_CODE_TTL', 600, 30, 3600),
    sessionTtl: int(env, 'SESSION_TTL', 7 * day, 300, 90 * day),
    refreshRetryGrace: int(env, 'REFRESH_RETRY_GRACE', 10, 0, 300),
    requirePkce: bool(env, 'OAUTH_REQUIRE_PKCE', false),
    requireMfa: bool(env, 'REQUIRE_MFA', false),
    clientSecretRotationOverlap: int(env, 'CLIENT_SECRET_ROTATION_OVERLAP', 0, 0, 30 * day),
    apiKeyRollOverlap: int(env, 'API_KEY_ROLL_OVERLAP', day, 0, 30 * day),
    keyPrepublish: int(env, 'KEY_PREPUBLISH', day, 0, 30 * day),
    keyRotationInterval: int(env, 'KEY_ROTATION_INTERVAL', 30 * day, 3600, 365 * day),
    apiKeyEnv: oneOf(env, 'API_KEY_ENV', ['live', 'test'] as const, production ? 'live' : 'test'),
    // Demo data only ever on the embedded database outside production.
    seedDemoData: bool(env, 'SEED_DEMO_DATA', true) && !databaseUrl && !production,
    trustProxy: bool(env, 'TRUST_PROXY', false),
    workers: workers(env, !!databaseUrl),
    // Defaults stop guessing and floods yet leave room for offices behind one NAT address.
    rateLimits: {
      loginIp: rate(env, 'RATE_LIMIT_LOGIN_IP', '30/1m'),
      loginAccount: rate(env, 'RATE_LIMIT_LOGIN_ACCOUNT', '10/1m'),
      signupIp: rate(env, 'RATE_LIMIT_SIGNUP_IP', '10/1h'),
      registrationIp: rate(env, 'RATE_LIMIT_REGISTRATION_IP', '20/1h'),
      client: rate(env, 'RATE_LIMIT_CLIENT', '600/1m'),
      clientFailureWeight: int(env, 'RATE_LIMIT_CLIENT_FAILURE_WEIGHT', 10, 1, 1000),
      clientAuthFailureIp: rate(env, 'RATE_LIMIT_CLIENT_AUTH_FAILURES_IP', '60/1m'),
      api: rate(env, 'RATE_LIMIT_API', '6000/1m'),
      apiAuthFailureIp: rate(env, 'RATE_LIMIT_API_AUTH_FAILURES_IP', '300/1m'),
      passwordResetIp: rate(env, 'RATE_LIMIT_PASSWORD_RESET_IP', '20/1h'),
      passwordResetAccount: rate(env, 'RATE_LIMIT_PASSWORD_RESET_ACCOUNT', '5/1h'),
      deviceUserCodeIp: rate(env, 'RATE_LIMIT_DEVICE_USER_CODE_IP', '10/15m'),
      deviceUserCode: rate(env, 'RATE_LIMIT_DEVICE_USER_CODE', '10/15m'),
      keyPrefix: keyPrefix(env, 'RATE_LIMIT_KEY_PREFIX', 'iiniit:rl:'),
      syncIntervalMs: int(env, 'RATE_LIMIT_SYNC_INTERVAL_MS', 200, 0, 10_000),
    },
    loginLockout: {
      threshold: int(env, 'LOGIN_LOCKOUT_THRESHOLD', 5, 0, 1000),
      baseDelaySeconds: int(env, 'LOGIN_LOCKOUT_BASE_DELAY', 1, 1, 3600),
      maxDelaySeconds: int(env, 'LOGIN_LOCKOUT_MAX_DELAY', 900, 1, day),
      windowSeconds: int(env, 'LOGIN_LOCKOUT_WINDOW', 3600, 60, 30 * day),
    },
    corsOrigins: origins(env, 'CORS_ORIGINS'),
    mail: mail(env, nodeEnv),
    emailVerificationTtl: int(env, 'EMAIL_VERIFICATION_TTL', day, 300, 7 * day),
    passwordResetTtl: int(env, 'PASSWORD_RESET_TTL', 1800, 300, day),
    agents: {
      resourceMetadataChallenge: bool(env, 'RESOURCE_METADATA_CHALLENGE', false),
      dcrMode: oneOf(env, 'DCR_MODE', ['open', 'initial-access-token', 'off'] as const, 'off'),
      cimdAllowPrivateHosts: cimdAllowPrivateHosts(env, production),
    },
    operations: operations(env, day, dataDir),
    dpop: {
      proofMaxAge: int(env, 'DPOP_PROOF_MAX_AGE', 60, 5, 600),
      requireNonce: bool(env, 'DPOP_REQUIRE_NONCE', false),
    },
  };
}

function operations(env: Env, day: number, dataDir: string): OperationsConfig {
  const metricsToken = str(env, 'METRICS_TOKEN');
  // A scrape token is a bearer secret: short ones are guessable over the public port.
  if (metricsToken !== undefined && metricsToken.length < 16) {
    throw new ConfigError('METRICS_TOKEN', `must be at least 16 characters, got ${metricsToken.length}`);
  }
  const metricsPort =
    str(env, 'METRICS_PORT') === undefined ? undefined : int(env, 'METRICS_PORT', 0, 1, 65535);
  return {
    shutdownTimeout: int(env, 'SHUTDOWN_TIMEOUT', 10, 0, 600),
    shutdownDelay: int(env, 'SHUTDOWN_DELAY', 0, 0, 600),
    janitor: {
      enabled: bool(env, 'JANITOR_ENABLED', true),
      intervalSeconds: int(env, 'JANITOR_INTERVAL', 600, 1, day),
      batchSize: int(env, 'JANITOR_BATCH_SIZE', 1000, 1, 100_000),
      refreshTokenRetentionSeconds: int(env, 'REFRESH_TOKEN_RETENTION', 7 * day, 0, 365 * day),
      auditRetentionDays: int(env, 'AUDIT_RETENTION_DAYS', 400, 1, 36500),
    },
    audit: { spoolDir: resolve(str(env, 'AUDIT_SPOOL_DIR', join(dataDir, 'audit-spool'))!) },
    metrics: { port: metricsPort, token: metricsToken },
  };
}

/** An SSRF hole by design, for tests and local development: refused in production. */
function cimdAllowPrivateHosts(env: Env, production: boolean): boolean {
  const allowed = bool(env, 'CIMD_ALLOW_PRIVATE_HOSTS', false);
  if (allowed && production) {
    throw new ConfigError(
      'CIMD_ALLOW_PRIVATE_HOSTS',
      'must not be true in production (it lets the server fetch internal addresses)',
    );
  }
  return allowed;
}

/** Injection token for the typed config (a plain object, so tests can build one with loadConfig). */
export const APP_CONFIG = Symbol('APP_CONFIG');
