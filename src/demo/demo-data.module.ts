import { Module } from '@nestjs/common';

import { ClientsModule } from '../clients/clients.module';
import { PlaygroundModule } from '../playground/playground.module';
import { UsersModule } from '../users/users.module';
import { DemoDataService } from './demo-data.service';

@Module({ imports: [UsersModule, ClientsModule, PlaygroundModule], providers: [DemoDataService] })
export class DemoDataModule {}
