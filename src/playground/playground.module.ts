import { Module } from '@nestjs/common';

import { PlaygroundFlows } from './playground-flows';

/** The PKCE pairs the start banner hands out, shared by the demo seeder and the console playground page. */
@Module({ providers: [PlaygroundFlows], exports: [PlaygroundFlows] })
export class PlaygroundModule {}
