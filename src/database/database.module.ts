import { DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import type { AppConfig } from '../config/app-config';
import { createDataSource, type DataSourceMode } from './data-source';
import { EmbeddedDatabaseLockedError } from './embedded-database-locked.error';

@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig, mode: Omit<DataSourceMode, 'log'> = {}): DynamicModule {
    const logger = new Logger('Database');
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            retryAttempts: 3,
            retryDelay: 1000,
            // A held data dir will not free itself in three seconds: fail at once with the clear message.
            toRetry: (error: unknown) => !(error instanceof EmbeddedDatabaseLockedError),
          }),
          // The factory owns connection set-up (external or embedded) so app, CLI and tests share one path.
          dataSourceFactory: () => createDataSource(config, { ...mode, log: (m) => logger.log(m) }),
        }),
      ],
    };
  }
}
