import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';

import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type ProjectView } from './projects.service';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
/** PATCH semantics: an absent field is left alone, but an explicit null is an error, not "clear". */
const present = (_: object, value: unknown): boolean => value !== undefined;

export class ListProjectsQuery {
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

export class CreateProjectDto {
  @ApiProperty({ minLength: 1, maxLength: 100, description: 'Surrounding spaces are trimmed' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiPropertyOptional({ maxLength: 2000, default: '' })
  @ValidateIf(present)
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'Required when an internal service (client_credentials token) creates a project; forbidden for ' +
      'users and API keys, whose projects are always their own',
  })
  @IsOptional()
  @IsUUID()
  owner_id?: string | null;
}

export class UpdateProjectDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @ValidateIf(present)
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @ValidateIf(present)
  @IsString()
  @MaxLength(2000)
  description?: string;
}

export class ProjectResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  owner_id: string;

  @ApiProperty()
  name: string;

  @ApiProperty()
  description: string;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

export class ProjectListResponse {
  @ApiProperty({ type: [ProjectResponse] })
  data: ProjectResponse[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last',
  })
  next_cursor: string | null;
}

export function toProjectResponse(project: ProjectView): ProjectResponse {
  return {
    id: project.id,
    owner_id: project.ownerId,
    name: project.name,
    description: project.description,
    created_at: project.createdAt.toISOString(),
    updated_at: project.updatedAt.toISOString(),
  };
}
