import { uniqueEmail } from './factories/users';
import { runTs } from './support/cli';

describe('admin CLI (npm run admin -- ...)', () => {
  it('user:create prints one JSON object; a duplicate fails on stderr with a non-zero exit', async () => {
    const email = uniqueEmail('cli');
    const ok = await runTs('src/cli/admin.ts', [
      'user:create',
      '--email',
      email,
      '--password',
      'a-long-cli-password',
    ]);
    expect(ok.code).toBe(0);
    const printed = JSON.parse(ok.stdout.trim());
    expect(printed).toEqual({ id: expect.any(String), email });
    const dup = await runTs('src/cli/admin.ts', [
      'user:create',
      '--email',
      email.toUpperCase(),
      '--password',
      'a-long-cli-password',
    ]);
    expect(dup.code).toBe(1);
    expect(dup.stdout).toBe('');
    expect(dup.stderr).toContain('already exists');
  });

  it('client:create registers an app and prints client_id and client_secret', async () => {
    const res = await runTs('src/cli/admin.ts', [
      'client:create',
      '--name',
      'CLI App',
      '--type',
      'confidential',
      '--redirect-uri',
      'https://cli.example.com/cb',
      '--redirect-uri',
      'http://127.0.0.1:9999/cb',
      '--scope',
      'read:user read:projects',
    ]);
    expect(res.code).toBe(0);
    const client = JSON.parse(res.stdout.trim());
    expect(client).toMatchObject({
      client_id: expect.stringMatching(/^iic_/),
      client_secret: expect.stringMatching(/^iics_/),
      redirect_uris: ['https://cli.example.com/cb', 'http://127.0.0.1:9999/cb'],
      scopes: ['read:user', 'read:projects'],
    });
  });

  it('client:create --dpop-bound registers a client that must use DPoP (RFC 9449 §5.2)', async () => {
    const res = await runTs('src/cli/admin.ts', [
      'client:create',
      '--grant-type',
      'client_credentials',
      '--scope',
      'read:projects',
      '--dpop-bound',
    ]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout.trim())).toMatchObject({ dpop_bound_access_tokens: true });
  });

  it('bad usage explains itself', async () => {
    const res = await runTs('src/cli/admin.ts', ['client:create', '--name', 'x', '--type', 'weird']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('--type must be confidential or public');
  });
});
