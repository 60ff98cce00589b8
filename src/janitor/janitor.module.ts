import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { JanitorService } from './janitor.service';

/** Deletes expired and retired rows on a schedule (see JanitorService); AuditModule is global. */
@Module({
  imports: [ScheduleModule.forRoot(), TokensModule, SessionsModule],
  providers: [JanitorService],
  exports: [JanitorService],
})
export class JanitorModule {}
