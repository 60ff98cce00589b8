import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { UsersService } from '../src/users/users.service';
import { uniqueEmail } from './factories/users';
import { bootApp } from './support/app';
import { runTs } from './support/cli';
import { http } from './support/http';

/** The zero-setup path: no DATABASE_URL, PostgreSQL (PGlite) embedded in the process, data in DATA_DIR. */
describe('embedded database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'iiniit-embedded-'));
  const env = {
    DATABASE_URL: undefined,
    DATA_DIR: dataDir,
    DB_MIGRATIONS_RUN: 'true',
    SEED_DEMO_DATA: 'true',
    NODE_ENV: 'development',
  };

  it('boots on an empty DATA_DIR, seeds the demo data, keeps data across restarts and refuses a second instance', async () => {
    const first = await bootApp(env);
    const email = uniqueEmail('persist');
    try {
      expect((await http(`${first.url}/health/ready`)).status).toBe(200);
      expect(await first.app.get(UsersService).findByEmail('demo@iiniit.local')).not.toBeNull();
      await first.app.get(UsersService).create({ email, password: 'survives-a-restart' });

      // A second server on the same data dir fails fast with a clear message.
      await expect(bootApp(env)).rejects.toThrow(/in use by process \d+/);

      // The admin CLI goes through the running server's socket instead of failing.
      const cli = await runTs(
        'src/cli/admin.ts',
        ['user:create', '--email', uniqueEmail('via-socket'), '--password', 'through-the-socket'],
        {
          DATABASE_URL: '',
          DATA_DIR: dataDir,
        },
      );
      expect(cli.stderr).toBe('');
      expect(cli.code).toBe(0);
    } finally {
      await first.close();
    }

    const second = await bootApp(env);
    try {
      const users = second.app.get(UsersService);
      expect(await users.findByEmail(email)).not.toBeNull();
      expect(await users.verifyCredentials(email, 'survives-a-restart')).not.toBeNull();
    } finally {
      await second.close();
    }
  });

  it('a bad configuration value stops start-up with one line naming the variable', async () => {
    const res = await runTs('src/main.ts', [], { PORT: 'eighty', DATABASE_URL: '' }, 30_000);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe('config: PORT must be a whole number, got "eighty"');
  });

  it('production refuses the placeholder secret and the embedded database', async () => {
    const noSecret = await runTs(
      'src/main.ts',
      [],
      { NODE_ENV: 'production', APP_SECRET: '', DATABASE_URL: '' },
      30_000,
    );
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toContain('config: APP_SECRET');
    const embedded = await runTs(
      'src/main.ts',
      [],
      { NODE_ENV: 'production', APP_SECRET: 'x'.repeat(40), DATABASE_URL: '' },
      30_000,
    );
    expect(embedded.code).toBe(1);
    expect(embedded.stderr).toContain('config: DATABASE_URL must be set in production');
  });
});
