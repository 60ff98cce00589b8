import type { EmbeddedPostgres } from '../src/database/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as { __EMBEDDED__?: EmbeddedPostgres }).__EMBEDDED__;
  await embedded?.stop();
}
