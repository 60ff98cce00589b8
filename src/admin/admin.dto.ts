import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsRFC3339,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

import { API_KEY_SCOPES, type ApiKeyView } from '../api-keys/api-keys.service';
import { type ClientView, GRANT_TYPES } from '../clients/clients.service';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../platform/pagination/keyset';
import { KNOWN_SCOPES, MANAGEMENT_SCOPES } from '../tokens/scopes';
import type { UserView } from '../users/users.service';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
const CLIENT_SCOPES = [...KNOWN_SCOPES, ...Object.keys(MANAGEMENT_SCOPES)];
const iso = (d: Date | null | undefined): string | null => d?.toISOString() ?? null;

export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'The next_cursor of the previous page (opaque)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class ApiKeyPageQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: "Only this user's keys" })
  @IsOptional()
  @IsUUID()
  user_id?: string;
}

// ---------------------------------------------------------------- clients

export class AdminCreateClientDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Provisioning job' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({ enum: ['confidential', 'public'] })
  @IsIn(['confidential', 'public'])
  type: 'confidential' | 'public';

  @ApiPropertyOptional({ type: [String], default: [] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  redirect_uris?: string[];

  @ApiProperty({
    type: [String],
    enum: CLIENT_SCOPES,
    description: 'manage:* scopes only for a confidential client whose only grant type is client_credentials',
  })
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(50, { each: true })
  scopes: string[];

  @ApiPropertyOptional({
    type: [String],
    enum: GRANT_TYPES,
    default: ['authorization_code', 'refresh_token'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5)
  @IsString({ each: true })
  @MaxLength(50, { each: true })
  grant_types?: string[];
}

export class AdminClientResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'iic_...' }) client_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['confidential', 'public'] }) type: string;
  @ApiProperty({ type: [String] }) redirect_uris: string[];
  @ApiProperty({ type: [String] }) grant_types: string[];
  @ApiProperty({ type: [String] }) scopes: string[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null: created by an operator' })
  owner_id: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) disabled_at: string | null;
  @ApiPropertyOptional({ description: 'Only in the response that created or rotated it: store it now' })
  client_secret?: string;
}

export class AdminClientList {
  @ApiProperty({ type: [AdminClientResponse] }) data: AdminClientResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}

export function toAdminClient(c: ClientView, clientSecret?: string): AdminClientResponse {
  return {
    id: c.id,
    client_id: c.clientId,
    name: c.name,
    type: c.type,
    redirect_uris: c.redirectUris,
    grant_types: c.grantTypes,
    scopes: c.scopes,
    owner_id: c.ownerId,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
    disabled_at: iso(c.disabledAt),
    ...(clientSecret ? { client_secret: clientSecret } : {}),
  };
}

// ---------------------------------------------------------------- users

export class AdminCreateUserDto {
  @ApiProperty({ maxLength: 254, example: 'ada@example.com' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 8, maxLength: 1024, description: 'Checked against the password policy' })
  @IsString()
  @MaxLength(1024)
  password: string;

  @ApiPropertyOptional({ maxLength: 100, description: 'Display name; default: the part before @' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(100)
  name?: string;
}

export class AdminUserResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) disabled_at: string | null;
}

export class AdminUserList {
  @ApiProperty({ type: [AdminUserResponse] }) data: AdminUserResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}

export function toAdminUser(u: UserView): AdminUserResponse {
  return {
    id: u.id,
    email: u.email,
    name: u.displayName,
    created_at: u.createdAt.toISOString(),
    disabled_at: iso(u.disabledAt),
  };
}

// ---------------------------------------------------------------- API keys

export class AdminCreateApiKeyDto {
  @ApiProperty({ format: 'uuid', description: 'The user the key acts for' })
  @IsUUID()
  user_id: string;

  @ApiProperty({ minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({ type: [String], enum: API_KEY_SCOPES, description: 'Never a manage:* scope' })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(API_KEY_SCOPES.length)
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes: string[];

  @ApiPropertyOptional({ type: String, format: 'date-time', example: '2030-01-01T00:00:00Z' })
  @IsOptional()
  @IsRFC3339()
  expires_at?: string | null;
}

export class AdminApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) user_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'iik_live_3hQ9' }) prefix: string;
  @ApiProperty({ type: [String], enum: API_KEY_SCOPES }) scopes: string[];
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expires_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_used_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) disabled_at: string | null;
  @ApiPropertyOptional({ description: 'The full key, only in the response that created or rolled it' })
  key?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Roll only: when the previous key stops working' })
  previous_key_expires_at?: string;
}

export class AdminApiKeyList {
  @ApiProperty({ type: [AdminApiKeyResponse] }) data: AdminApiKeyResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}

export function toAdminApiKey(k: ApiKeyView, secret?: string, previousExpires?: Date): AdminApiKeyResponse {
  return {
    id: k.id,
    user_id: k.userId,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    created_at: k.createdAt.toISOString(),
    expires_at: iso(k.expiresAt),
    last_used_at: iso(k.lastUsedAt),
    disabled_at: iso(k.disabledAt),
    ...(secret ? { key: secret } : {}),
    ...(previousExpires ? { previous_key_expires_at: previousExpires.toISOString() } : {}),
  };
}
