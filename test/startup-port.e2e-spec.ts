import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';

import { runTs } from './support/cli';

describe('start-up: a taken port', () => {
  let blocker: Server;
  let port: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    port = (blocker.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('is one line on stderr naming the port and PORT, with exit code 1', async () => {
    const res = await runTs(
      'src/main.ts',
      [],
      { PORT: String(port), HOST: '127.0.0.1', WORKERS: '1', SEED_DEMO_DATA: 'false' },
      60_000,
    );
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe(`port ${port} is in use; set PORT to a free port`);
  }, 70_000);
});
