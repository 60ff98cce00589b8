import { randomUUID } from 'node:crypto';

// Runs before each e2e file. With a shared REDIS_URL, rate-limit counters outlive a run and are seen by
// every file: one key prefix per file (its instances share it) keeps each file's limits its own.
process.env.RATE_LIMIT_KEY_PREFIX ??= `iiniit:rl:e2e-${randomUUID().slice(0, 8)}:`;
