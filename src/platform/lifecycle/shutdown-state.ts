import { Global, Injectable, Module } from '@nestjs/common';

/**
 * Whether this process is draining after SIGTERM. Readiness reads it, so a load balancer stops sending
 * new requests at once while the ones already accepted finish.
 */
@Injectable()
export class ShutdownState {
  draining = false;
}

@Global()
@Module({ providers: [ShutdownState], exports: [ShutdownState] })
export class LifecycleModule {}
