import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEvent } from './audit-event.entity';
import { AuditRetentionService } from './audit-retention.service';
import { AuditService } from './audit.service';

/** Global: every module records security events through the one AuditService. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent])],
  providers: [AuditService, AuditRetentionService],
  exports: [AuditService, AuditRetentionService],
})
export class AuditModule {}
