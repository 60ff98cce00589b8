import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';

import { Public } from '../platform/auth/decorators';
import { ApiError } from '../platform/errors/api-error';
import { ShutdownState } from '../platform/lifecycle/shutdown-state';

@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly shutdown: ShutdownState,
  ) {}

  /** Liveness: the process answers. Touches nothing else, so a slow database never restarts the pod. */
  @Get()
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the database answers within 1 s (503 otherwise). */
  @Get('ready')
  @HealthCheck()
  ready() {
    // Draining after SIGTERM: out of the load balancer at once, while accepted requests finish.
    if (this.shutdown.draining) throw new ApiError(503, 'temporarily_unavailable', 'shutting down');
    return this.health.check([() => this.db.pingCheck('database', { timeout: 1000 })]);
  }
}
