import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ClientsModule } from '../clients.module';
import { OAuthClient } from '../oauth-client.entity';
import { MetadataDocumentService } from './metadata-document.service';

/** Client ID Metadata Documents: URL client_ids resolved through ClientsService.findActive. */
@Module({
  imports: [TypeOrmModule.forFeature([OAuthClient]), ClientsModule],
  providers: [MetadataDocumentService],
})
export class MetadataDocumentModule {}
