import cluster from 'node:cluster';
import type { Server } from 'node:http';

import {
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { gaugeSources, metrics } from './metrics';
import { MetricsController } from './metrics.controller';
import { answerClusterScrapes, renderLocal, startMetricsListener } from './metrics-listener';

/** Connects this app instance's pool and signing keys to the scrape-time gauges, and runs METRICS_PORT. */
@Injectable()
export class MetricsService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private listener?: Server;
  private readonly pool = () => {
    const pool = (this.dataSource.driver as unknown as { master?: Pool }).master;
    if (!pool) return { inUse: 0, idle: 0, waiting: 0 };
    return {
      inUse: pool.totalCount - pool.idleCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
    };
  };
  private readonly signingKeyActivatedAt = async (): Promise<Date | undefined> => {
    // Read-only, at scrape time only (never on a request path).
    const rows = await this.dataSource.query<{ activates_at: Date }[]>(
      `SELECT "activates_at" FROM "signing_keys" WHERE "status" = 'active' ORDER BY "activates_at" DESC LIMIT 1`,
    );
    return rows[0]?.activates_at;
  };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    metrics();
    gaugeSources.pools.add(this.pool);
    gaugeSources.signingKeyActivatedAt.add(this.signingKeyActivatedAt);
    answerClusterScrapes();
  }

  async onApplicationBootstrap(): Promise<void> {
    // In a cluster the primary owns METRICS_PORT and aggregates the workers (main.ts).
    if (this.config.operations.metrics.port !== undefined && !cluster.isWorker) {
      this.listener = await startMetricsListener(this.config, renderLocal);
    }
  }

  async onModuleDestroy(): Promise<void> {
    gaugeSources.pools.delete(this.pool);
    gaugeSources.signingKeyActivatedAt.delete(this.signingKeyActivatedAt);
    const listener = this.listener;
    this.listener = undefined;
    if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
  }
}

@Global()
@Module({ controllers: [MetricsController], providers: [MetricsService] })
export class MetricsModule {}
