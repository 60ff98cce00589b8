import { ConfigError, loadConfig, PLACEHOLDER_APP_SECRET } from './app-config';

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
      metrics: { port: undefined, token: undefined },
    });
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
