import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsRFC3339,
  IsString,
  MaxLength,
} from 'class-validator';

import { API_KEY_SCOPES, type ApiKeyView, type IssuedApiKey, type RolledApiKey } from './api-keys.service';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

/**
 * Body of POST /v1/api-keys. `scopes` is a JSON array of scope names (not the OAuth space-separated
 * string): keys are created by JSON clients, and an array validates element by element.
 */
export class CreateApiKeyDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'CI deploys' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({ type: [String], enum: API_KEY_SCOPES, example: ['read:projects'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(API_KEY_SCOPES.length)
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes: string[];

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'RFC 3339 date-time with an offset, in the future; omit for a key that does not expire',
    example: '2030-01-01T00:00:00Z',
  })
  @IsOptional()
  @IsRFC3339()
  expires_at?: string | null;
}

export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ example: 'iik_live_3hQ9', description: 'Visible start of the key, for recognising it' })
  prefix: string;

  @ApiProperty({ type: [String], enum: API_KEY_SCOPES })
  scopes: string[];

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expires_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_used_at: string | null;
}

export class CreatedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({
    description: 'The full key. Shown only in this response: store it now, it cannot be retrieved later.',
    example: 'iik_live_3hQ9...',
  })
  key: string;
}

export class RolledApiKeyResponse extends CreatedApiKeyResponse {
  @ApiProperty({ format: 'date-time', description: 'When the rolled (previous) key stops working' })
  previous_key_expires_at: string;
}

export class ApiKeyListResponse {
  @ApiProperty({ type: [ApiKeyResponse] })
  data: ApiKeyResponse[];
}

export function toApiKeyResponse(key: ApiKeyView): ApiKeyResponse {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    created_at: key.createdAt.toISOString(),
    expires_at: key.expiresAt?.toISOString() ?? null,
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
  };
}

export function toCreatedApiKeyResponse(issued: IssuedApiKey): CreatedApiKeyResponse {
  return { ...toApiKeyResponse(issued.key), key: issued.secret };
}

export function toRolledApiKeyResponse(rolled: RolledApiKey): RolledApiKeyResponse {
  return {
    ...toCreatedApiKeyResponse(rolled),
    previous_key_expires_at: rolled.previousKeyExpiresAt.toISOString(),
  };
}
