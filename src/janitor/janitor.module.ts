import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';

import { SessionsModule } from '../sessions/sessions.module';
import { CodesModule } from '../tokens/codes/codes.module';
import { DeviceModule } from '../tokens/device/device.module';
import { ParModule } from '../tokens/par/par.module';
import { RefreshTokensModule } from '../tokens/refresh-tokens/refresh-tokens.module';
import { DenyListModule } from '../tokens/revocation/deny-list.module';
import { UsersModule } from '../users/users.module';
import { JanitorService } from './janitor.service';

/** Deletes expired and retired rows on a schedule (see JanitorService); AuditModule is global. */
@Module({
  imports: [
    ScheduleModule.forRoot(),
    CodesModule,
    RefreshTokensModule,
    DenyListModule,
    ParModule,
    DeviceModule,
    SessionsModule,
    UsersModule,
  ],
  providers: [JanitorService],
  exports: [JanitorService],
})
export class JanitorModule {}
