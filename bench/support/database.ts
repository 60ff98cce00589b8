import { Client } from 'pg';

/** A throwaway database per run on the machine's PostgreSQL, so runs never see each other's rows. */
export class BenchDatabase {
  readonly name: string;
  readonly url: string;
  private created = false;

  constructor(
    private readonly adminUrl: string,
    suffix: string | number,
  ) {
    this.name = `iiniit_bench_${suffix}`;
    const url = new URL(adminUrl);
    url.pathname = `/${this.name}`;
    this.url = url.toString();
  }

  private async admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: this.adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /** Creates the database; returns the server's version string for the report. */
  async create(): Promise<string> {
    return this.admin(async (client) => {
      await client.query(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`);
      await client.query(`CREATE DATABASE "${this.name}"`);
      this.created = true;
      const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
      return rows[0]?.server_version ?? 'unknown';
    });
  }

  /** Drops it even while connections remain (PostgreSQL ≥ 13: WITH (FORCE)). */
  async drop(): Promise<void> {
    if (!this.created) return;
    await this.admin((client) => client.query(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`));
    this.created = false;
  }
}
