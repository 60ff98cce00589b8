import { ApiKey } from '../api-keys/api-key.entity';
import { AuditAnchor } from '../audit/audit-anchor.entity';
import { AuditEvent } from '../audit/audit-event.entity';
import { IdentityProvider } from '../auth/idp/identity-provider.entity';
import { UserIdentity } from '../auth/idp/user-identity.entity';
import { Passkey } from '../auth/mfa/passkey.entity';
import { RecoveryCode } from '../auth/mfa/recovery-code.entity';
import { TotpFactor } from '../auth/mfa/totp-factor.entity';
import { WebAuthnChallenge } from '../auth/mfa/webauthn-challenge.entity';
import { OAuthClient } from '../clients/oauth-client.entity';
import { InitialAccessToken } from '../clients/registration/initial-access-token.entity';
import { Project } from '../projects/project.entity';
import { ResourceServer } from '../resources/resource.entity';
import { Session } from '../sessions/session.entity';
import { Authorization } from '../tokens/authorizations/authorization.entity';
import { AuthorizationCode } from '../tokens/codes/authorization-code.entity';
import { DeviceAuthorization } from '../tokens/device/device-authorization.entity';
import { SigningKey } from '../tokens/keys/signing-key.entity';
import { PushedAuthorizationRequest } from '../tokens/par/pushed-authorization-request.entity';
import { RefreshToken } from '../tokens/refresh-tokens/refresh-token.entity';
import { RevokedToken } from '../tokens/revocation/revoked-token.entity';
import { AccountToken } from '../users/account-token.entity';
import { User } from '../users/user.entity';

/** Every entity, listed once: the app, the TypeORM CLI (ormconfig.ts) and tests share this list. */
export const ENTITIES = [
  User,
  OAuthClient,
  Session,
  Authorization,
  AuthorizationCode,
  RefreshToken,
  SigningKey,
  RevokedToken,
  ApiKey,
  Project,
  AuditEvent,
  AccountToken,
  ResourceServer,
  PushedAuthorizationRequest,
  InitialAccessToken,
  AuditAnchor,
  DeviceAuthorization,
  TotpFactor,
  RecoveryCode,
  Passkey,
  WebAuthnChallenge,
  IdentityProvider,
  UserIdentity,
];
