import { uniqueEmail } from './factories/users';
import { runTs } from './support/cli';

const CLI = 'src/cli/admin.ts';

// Each test spawns the CLI several times (a process start each, longer still without a build).
jest.setTimeout(180_000);

describe('admin CLI: help, typos, reasons and the scripting commands', () => {
  it('--help lists every command on stdout with exit 0; <command> --help shows that command', async () => {
    const tool = await runTs(CLI, ['--help']);
    expect(tool.code).toBe(0);
    for (const command of ['client:create', 'client:list', 'client:delete', 'user:list', 'api-key:create']) {
      expect(tool.stdout).toContain(command);
    }
    const one = await runTs(CLI, ['api-key:create', '--help']);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('--user EMAIL');
    expect(one.stdout).not.toContain('client:create');
  });

  it('an unknown flag is refused with "did you mean" and nothing on stdout', async () => {
    const res = await runTs(CLI, ['user:create', '--emial', 'a@example.com', '--password', 'x']);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('unknown flag --emial; did you mean --email?');
  });

  it('user:list, api-key:create, client:list and client:delete print JSON only; failures keep the reason', async () => {
    const email = uniqueEmail('cli-dx');
    expect(
      (await runTs(CLI, ['user:create', '--email', email, '--password', 'a-long-cli-password'])).code,
    ).toBe(0);

    const users = await runTs(CLI, ['user:list', '--limit', '100']);
    expect(users.code).toBe(0);
    expect(JSON.parse(users.stdout)).toMatchObject({ items: expect.any(Array) });

    const key = await runTs(CLI, ['api-key:create', '--user', email, '--scope', 'read:user', '--name', 'ci']);
    expect(key.code).toBe(0);
    expect(JSON.parse(key.stdout)).toMatchObject({
      name: 'ci',
      scopes: ['read:user'],
      api_key: expect.stringMatching(/^iik_/),
    });

    const badScope = await runTs(CLI, ['api-key:create', '--user', email, '--scope', 'launch:rockets']);
    expect(badScope.code).toBe(1);
    expect(badScope.stdout).toBe('');
    expect(badScope.stderr).toContain('scopes: must each be one of: ');

    const created = await runTs(CLI, [
      'client:create',
      '--grant-type',
      'client_credentials',
      '--scope',
      'read:user',
      '--name',
      'CI service',
    ]);
    expect(created.code).toBe(0);
    const { client_id } = JSON.parse(created.stdout) as { client_id: string };

    const listed = await runTs(CLI, ['client:list', '--limit', '100']);
    expect(listed.code).toBe(0);
    const ids = (JSON.parse(listed.stdout) as { items: Array<{ client_id: string }> }).items.map(
      (c) => c.client_id,
    );
    expect(ids).toContain(client_id);

    const deleted = await runTs(CLI, ['client:delete', '--client-id', client_id]);
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ client_id, deleted: true });
    const again = await runTs(CLI, ['client:delete', '--client-id', client_id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`--client-id: no active client ${client_id}`);
  });
});
