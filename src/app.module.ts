import { DynamicModule, Module } from '@nestjs/common';

import { AdminModule } from './admin/admin.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ClientsModule } from './clients/clients.module';
import { MetadataDocumentModule } from './clients/metadata-document/metadata-document.module';
import { RegistrationModule } from './clients/registration/registration.module';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ConsoleModule } from './console/console.module';
import { DatabaseModule } from './database/database.module';
import { DemoDataModule } from './demo/demo-data.module';
import { HealthModule } from './health/health.module';
import { JanitorModule } from './janitor/janitor.module';
import { LifecycleModule } from './platform/lifecycle/shutdown-state';
import { MailModule } from './platform/mail/mail.module';
import { MetricsModule } from './platform/metrics/metrics.module';
import { PlatformModule } from './platform/platform.module';
import { RateLimitModule } from './platform/rate-limit/rate-limit.module';
import { ProjectsModule } from './projects/projects.module';
import { ProtectedResourceModule } from './resources/resources.module';
import { SessionsModule } from './sessions/sessions.module';
import { TokensModule } from './tokens/tokens.module';
import { AccountModule } from './users/account/account.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  /** The config is validated before Nest starts (main.ts), then handed in: one typed source of truth. */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(config),
        PlatformModule,
        MailModule,
        LifecycleModule,
        MetricsModule,
        RateLimitModule, // rate limits + sign-in lockout storage (global)
        AuditModule,
        HealthModule,
        UsersModule,
        ClientsModule,
        RegistrationModule, // RFC 7591/7592 dynamic client registration
        MetadataDocumentModule, // Client ID Metadata Documents (URL client_ids)
        ProtectedResourceModule, // RFC 9728 resource_metadata in the API's Bearer challenges
        TokensModule,
        SessionsModule,
        AuthModule,
        ApiKeysModule,
        ProjectsModule,
        AccountModule,
        ConsoleModule,
        AdminModule,
        DemoDataModule,
        JanitorModule,
      ],
    };
  }
}
