import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AuthorizationCode } from './authorization-code.entity';
import { AuthorizationCodesService } from './authorization-codes.service';

/** RFC 6749 §4.1 authorization codes: single use, short-lived, bound to client, redirect_uri and PKCE. */
@Module({
  imports: [TypeOrmModule.forFeature([AuthorizationCode])],
  providers: [AuthorizationCodesService],
  exports: [AuthorizationCodesService],
})
export class CodesModule {}
