import { Module } from '@nestjs/common';

/** Developer console (server-rendered pages under /console). */
@Module({})
export class ConsoleModule {}
