import { ApiKey } from '../api-keys/api-key.entity';
import { AuditEvent } from '../audit/audit-event.entity';
import { Session } from '../auth/session.entity';
import { OAuthClient } from '../clients/oauth-client.entity';
import { Project } from '../projects/project.entity';
import { AuthorizationCode } from '../tokens/authorization-code.entity';
import { Grant } from '../tokens/grant.entity';
import { RefreshToken } from '../tokens/refresh-token.entity';
import { RevokedToken } from '../tokens/revoked-token.entity';
import { SigningKey } from '../tokens/signing-key.entity';
import { User } from '../users/user.entity';

/** Every entity, listed once: the app, the TypeORM CLI (ormconfig.ts) and tests share this list. */
export const ENTITIES = [
  User,
  OAuthClient,
  Session,
  Grant,
  AuthorizationCode,
  RefreshToken,
  SigningKey,
  RevokedToken,
  ApiKey,
  Project,
  AuditEvent,
];
