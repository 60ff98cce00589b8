import { resolve } from 'node:path';

import { assertMailDeliverable, ConfigError, loadConfig, PLACEHOLDER_APP_SECRET } from './app-config';

describe('loadConfig', () => {
  it('has working defaults for development', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      issuer: 'http://localhost:3000',
      nodeEnv: 'development',
      accessTokenTtl: 3600,
    });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.seedDemoData).toBe(true);
    expect(c.secrets.pepper).toHaveLength(32);
    expect(c.secrets.pepper.equals(c.secrets.keyEncryptionKey)).toBe(false);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ ISSUER: 'not a url' }, 'ISSUER'],
    [{ ISSUER: 'https://id.example.com/?q=1' }, 'ISSUER'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ OAUTH_REQUIRE_PKCE: 'maybe' }, 'OAUTH_REQUIRE_PKCE'],
    [{ APP_SECRET: 'short' }, 'APP_SECRET'],
    [{ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x' }, 'APP_SECRET'],
    [
      { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x', APP_SECRET: PLACEHOLDER_APP_SECRET },
      'APP_SECRET',
    ],
    [{ NODE_ENV: 'production', APP_SECRET: 'k'.repeat(32) }, 'DATABASE_URL'],
    [{ WORKERS: '2' }, 'WORKERS'],
    [{ WORKERS: 'many', DATABASE_URL: 'postgres://db/x' }, 'WORKERS'],
  ])('%j is refused naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^config: ${variable} `));
  });

  it('never seeds demo data with DATABASE_URL or in production', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x' }).seedDemoData).toBe(false);
    expect(
      loadConfig({
        NODE_ENV: 'production',
        APP_SECRET: 'k'.repeat(32),
        ALLOW_EMBEDDED_DB_IN_PRODUCTION: 'true',
      }).seedDemoData,
    ).toBe(false);
  });
});

describe('mail configuration', () => {
  const prod = { NODE_ENV: 'production', APP_SECRET: 'k'.repeat(32), DATABASE_URL: 'postgres://db/x' };

  it('logs mail (and keeps the dev outbox) without SMTP_URL outside production', () => {
    expect(loadConfig({}).mail).toMatchObject({ transport: 'log', devOutbox: true });
    expect(() => assertMailDeliverable(loadConfig({}))).not.toThrow();
  });

  it('sends through SMTP_URL', () => {
    const c = loadConfig({ SMTP_URL: 'smtps://u:p@mail.example.com:465', MAIL_FROM: 'Acme <id@acme.test>' });
    expect(c.mail).toMatchObject({ transport: 'smtp', from: 'Acme <id@acme.test>' });
  });

  it('refuses to start in production without SMTP_URL unless MAIL_TRANSPORT=log says so', () => {
    expect(() => assertMailDeliverable(loadConfig(prod))).toThrow(
      /^config: SMTP_URL must be set in production/,
    );
    const logged = loadConfig({ ...prod, MAIL_TRANSPORT: 'log' });
    expect(() => assertMailDeliverable(logged)).not.toThrow();
    expect(logged.mail.devOutbox).toBe(false);
    expect(() => assertMailDeliverable(loadConfig({ ...prod, SMTP_URL: 'smtp://mail:587' }))).not.toThrow();
  });

  it.each([
    [{ SMTP_URL: 'http://mail' }, 'SMTP_URL'],
    [{ MAIL_TRANSPORT: 'smtp' }, 'SMTP_URL'],
    [{ MAIL_TRANSPORT: 'pigeon' }, 'MAIL_TRANSPORT'],
    [{ MAIL_FROM: 'not an address' }, 'MAIL_FROM'],
    [{ MAIL_FROM: 'a@b.test\r\nBcc: x@y.test' }, 'MAIL_FROM'],
    [{ PASSWORD_RESET_TTL: '10' }, 'PASSWORD_RESET_TTL'],
  ])('%j is refused naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`^config: ${variable} `));
  });
});

describe('operations config', () => {
  it('has defaults for shutdown, the janitor and metrics', () => {
    expect(loadConfig({}).operations).toEqual({
      shutdownTimeout: 10,
      shutdownDelay: 0,
      janitor: {
        enabled: true,
        intervalSeconds: 600,
        batchSize: 1000,
        refreshTokenRetentionSeconds: 7 * 86400,
        auditRetentionDays: 400,
      },
      audit: { spoolDir: resolve('data/audit-spool') },
      metrics: { port: undefined, token: undefined },
    });
    // The spool follows DATA_DIR unless placed elsewhere.
    expect(loadConfig({ DATA_DIR: '/var/lib/iiniit' }).operations.audit.spoolDir).toBe(
      '/var/lib/iiniit/audit-spool',
    );
    expect(loadConfig({ AUDIT_SPOOL_DIR: '/spool' }).operations.audit.spoolDir).toBe('/spool');
  });
  it('reads every variable and refuses bad values with the variable named', () => {
    const ops = loadConfig({
      SHUTDOWN_TIMEOUT: '3',
      SHUTDOWN_DELAY: '5',
      JANITOR_ENABLED: 'false',
      JANITOR_INTERVAL: '60',
      JANITOR_BATCH_SIZE: '500',
      REFRESH_TOKEN_RETENTION: '0',
      AUDIT_RETENTION_DAYS: '30',
      METRICS_PORT: '9464',
      METRICS_TOKEN: 'x'.repeat(16),
    }).operations;
    expect(ops).toMatchObject({ shutdownTimeout: 3, shutdownDelay: 5, metrics: { port: 9464 } });
    expect(ops.janitor).toMatchObject({ enabled: false, intervalSeconds: 60, batchSize: 500 });
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig({ JANITOR_BATCH_SIZE: '0' })).toThrow(/JANITOR_BATCH_SIZE/);
    expect(() => loadConfig({ AUDIT_RETENTION_DAYS: 'forever' })).toThrow(/AUDIT_RETENTION_DAYS/);
  });
});
