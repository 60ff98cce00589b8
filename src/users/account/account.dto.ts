import { IsOptional, IsString, MaxLength } from 'class-validator';

/**
 * PATCH /v1/user. Session (+ CSRF) only: `name` alone needs nothing more; `email` and `new_password`
 * also need `current_password`, so a browser left signed in cannot be taken over through them.
 */
export class UpdateUserDto {
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  current_password?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  new_password?: string;
}

/** GET/PATCH /v1/user for the account's owner. `pending_email`: an email change waiting for its link. */
export interface OwnUserResponse {
  id: string;
  email: string;
  email_verified: boolean;
  name: string;
  created_at: string;
  pending_email?: string;
}
