/**
 * Scenario 1, the ceiling: a bare Fastify server answering `{ ok: true }`, in its own process like the
 * app, so it gets a core of its own. The most this machine serves over HTTP from one Node process.
 * Started by bench/run.ts; reports its port over IPC and exits when the benchmark goes away.
 */
import Fastify from 'fastify';

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  app.get('/', async () => ({ ok: true }));
  const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
  process.send?.({ port: Number(new URL(address).port) });
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
