import { Module } from '@nestjs/common';

import { ClientsModule } from '../clients/clients.module';
import { ResourcesModule } from '../resources/resources.module';
import { SessionsModule } from '../sessions/sessions.module';
import { ParModule } from '../tokens/par/par.module';
import { TokensModule } from '../tokens/tokens.module';
import { AccountModule } from '../users/account/account.module';
import { UsersModule } from '../users/users.module';
import { AuthorizationRequestService } from './authorize/authorization-request.service';
import { AuthorizeController } from './authorize/authorize.controller';
import { AuthorizeFlow } from './authorize/authorize.flow';
import { OidcInteraction } from './authorize/oidc-interaction';
import { ConsentController } from './consent/consent.controller';
import { ConsentService } from './consent/consent.service';
import { DeviceController } from './device/device.controller';
import { IdpModule } from './idp/idp.module';
import { LoginController } from './login/login.controller';
import { LoginService } from './login/login.service';
import { MfaController } from './mfa/mfa.controller';
import { MfaModule } from './mfa/mfa.module';
import { PasskeysController } from './mfa/passkeys.controller';
import { PasswordController } from './password/password.controller';
import { SignupController } from './signup/signup.controller';
import { SignupService } from './signup/signup.service';
import { VerifyEmailController } from './verify-email/verify-email.controller';

/** The interactive half of the code flow: the authorization endpoint, sign-in, sign-up, consent. */
@Module({
  imports: [
    SessionsModule,
    UsersModule,
    ClientsModule,
    TokensModule,
    AccountModule,
    ResourcesModule,
    ParModule,
    MfaModule,
    IdpModule,
  ],
  controllers: [
    AuthorizeController,
    LoginController,
    MfaController,
    PasskeysController,
    SignupController,
    ConsentController,
    PasswordController,
    VerifyEmailController,
    DeviceController,
  ],
  providers: [
    AuthorizationRequestService,
    AuthorizeFlow,
    OidcInteraction,
    LoginService,
    SignupService,
    ConsentService,
  ],
})
export class AuthModule {}
