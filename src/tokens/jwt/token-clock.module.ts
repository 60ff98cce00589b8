import { Module } from '@nestjs/common';

import { CLOCK, systemClock } from './clock';
import { DEFAULT_JWT_TIMINGS, JWT_TIMINGS } from './jwt.constants';

/**
 * The clock and background periods shared by signing keys, access tokens and the deny list: provided once,
 * so a test that overrides CLOCK or JWT_TIMINGS moves all three together.
 */
@Module({
  providers: [
    { provide: CLOCK, useValue: systemClock },
    { provide: JWT_TIMINGS, useValue: DEFAULT_JWT_TIMINGS },
  ],
  exports: [CLOCK, JWT_TIMINGS],
})
export class TokenClockModule {}
